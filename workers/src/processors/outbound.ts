import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type OutboundJob } from '../../../server/src/contracts/jobs.js';
import { PermanentDeliveryError } from '../../../server/src/channels/types.js';
import { deliverInteraction, type DeliverDeps } from '../../../server/src/outbound/deliver.js';

/** Delivers agent replies through their channel adapters with retries and backoff. */
export function startOutboundWorker(deps: DeliverDeps & { connection: Redis; prefix: string; concurrency?: number }): () => Promise<void> {
  const worker = new Worker<OutboundJob>(
    QUEUE_NAMES.outbound,
    async (job) => {
      const attempts = job.opts.attempts ?? 1;
      try {
        await deliverInteraction(deps, job.data.interactionId, { finalAttempt: job.attemptsMade + 1 >= attempts });
      } catch (err) {
        if (err instanceof PermanentDeliveryError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 10 },
  );
  worker.on('error', (err) => deps.log.warn({ err }, 'outbound worker error'));
  return () => worker.close();
}
