import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';

/** System notifications the notifications worker sends. Secrets stay in Redis only until sent. */
export type NotificationJob =
  | { kind: 'magic-link'; to: string; link: string; language: string }
  | { kind: 'sms-code'; to: string; code: string; language: string }
  | { kind: 'chat-transcript'; caseId: number; to: string; language: string }
  | { kind: 'transcript-confirm'; to: string; link: string; language: string }
  | { kind: 'portal-reply'; interactionId: number };

export async function enqueueNotification(queue: Queue, job: NotificationJob): Promise<void> {
  await queue.add(job.kind, job, {
    // unique for ever (not Redis' counter, which restarts with an emptied Redis): it is the message's
    // idempotency key in delivery_attempts
    jobId: `${job.kind}-${randomUUID()}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: true,
    removeOnFail: true,
  });
}
