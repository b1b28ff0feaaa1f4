import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../../../server/src/contracts/jobs.js';
import { handleNotification, type NotificationDeps } from '../../../server/src/customer-messages/handle.js';
import type { NotificationJob } from '../../../server/src/customer-messages/jobs.js';

/** Sends system mail and SMS (sign-in links and codes, chat transcripts, reply notices). */
export function startNotificationsWorker(deps: NotificationDeps & { connection: Redis; prefix: string }): () => Promise<void> {
  const worker = new Worker<NotificationJob>(QUEUE_NAMES.notifications, (job) => handleNotification(deps, job.data, job.id), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 10,
  });
  worker.on('error', (err) => deps.log.warn({ err }, 'notifications worker error'));
  worker.on('failed', (job, err) => deps.log.warn({ err, kind: job?.data.kind }, 'notification failed'));
  return () => worker.close();
}
