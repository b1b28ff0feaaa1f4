import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTimeout } from '../../lib/with-timeout.js';
import { QUEUES, type TwilioJob } from '../../contracts/jobs.js';
import { logErrors } from '../../lib/best-effort.js';
import type { Log } from '../../lib/log.js';

export type { TwilioJob };

/**
 * Slow or timed Twilio work handed off by the webhooks: downloading MMS media, and sending a caller who waited
 * past the queue's maximum wait to voicemail.
 */
export const TWILIO_QUEUE = QUEUES.twilio.name;

export function twilioJobId(job: TwilioJob): string {
  return job.kind === 'fetch-media' ? `fetch-media-${job.interactionId}` : `max-wait-${job.callId}-${Date.parse(job.queuedAt)}`;
}

export function createTwilioQueue(connection: Redis, prefix: string, log?: Pick<Log, 'warn'>): Queue<TwilioJob> {
  const q = new Queue<TwilioJob>(TWILIO_QUEUE, { connection, prefix, defaultJobOptions: QUEUES.twilio.options });
  logErrors(q, log, `queue ${TWILIO_QUEUE}`);
  return q;
}

/** Adds a job; a Redis outage only delays it (the worker's sweep finds the committed work again). */
export async function addTwilioJob(queue: Queue<TwilioJob>, job: TwilioJob, delayMs = 0): Promise<boolean> {
  try {
    await withTimeout(queue.add(job.kind, job, { jobId: twilioJobId(job), ...(delayMs > 0 ? { delay: delayMs } : {}) }), 2000);
    return true;
  } catch {
    return false;
  }
}
