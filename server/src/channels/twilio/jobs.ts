import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Slow Twilio work the webhooks hand off after their commit: downloading MMS media. */
export const TWILIO_QUEUE = 'twilio';

export type TwilioJob = { kind: 'fetch-media'; interactionId: number };

export function twilioJobId(job: TwilioJob): string {
  return `${job.kind}-${job.interactionId}`;
}

export function createTwilioQueue(connection: Redis, prefix: string): Queue<TwilioJob> {
  const q = new Queue<TwilioJob>(TWILIO_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 },
  });
  q.on('error', () => {});
  return q;
}

/** Adds a job; a Redis outage only delays it (the worker's sweep finds the committed work again). */
export async function addTwilioJob(queue: Queue<TwilioJob>, job: TwilioJob): Promise<boolean> {
  try {
    await Promise.race([
      queue.add(job.kind, job, { jobId: twilioJobId(job) }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
