import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';

import type { NotificationJob } from '../contracts/jobs.js';

export type { NotificationJob };

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
