import { Worker } from 'bullmq';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from '../../../server/src/config.js';
import type { Log } from '../../../server/src/lib/log.js';
import type { HubQueues } from '../../../server/src/lib/queues.js';
import type { RealtimeEmitter } from '../../../server/src/realtime/emitter.js';
import { QUEUE_NAMES, type CustomerNoticeJob } from '../../../server/src/contracts/jobs.js';
import { sweepCustomerNotices } from '../../../server/src/customer-messages/notices.js';
import { autoCloseSolved } from '../../../server/src/customer-messages/auto-close.js';
import { bestEffort } from '../../../server/src/lib/best-effort.js';

export interface CustomerNoticesWorkerDeps {
  db: pg.Pool;
  config: Config;
  log: Log;
  queues: HubQueues;
  realtime?: RealtimeEmitter;
  connection: Redis;
  prefix: string;
  /** how often owed notices are swept (a status change also nudges at once) and solved cases checked for auto-close */
  sweepEveryMs?: number;
  autoCloseEveryMs?: number;
}

/**
 * Sends the notices cases owe their customers (customer-messages/notices.ts) and closes solved cases
 * nobody answered (customer-messages/auto-close.ts). Both are repeatable jobs (BullMQ job schedulers,
 * one per name however many workers start), so they are back after Redis was emptied and a restart.
 */
export function startCustomerNoticesWorker(deps: CustomerNoticesWorkerDeps): () => Promise<void> {
  const worker = new Worker<CustomerNoticeJob>(
    QUEUE_NAMES.customerNotices,
    async (job) => {
      if (job.data.type === 'sweep') await sweepCustomerNotices({ db: deps.db, config: deps.config, log: deps.log, outbound: deps.queues.outbound });
      else await autoCloseSolved({ db: deps.db, queues: deps.queues, realtime: deps.realtime, log: deps.log });
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => deps.log.warn({ err }, 'customer-notices worker error'));
  worker.on('failed', (job, err) => deps.log.warn({ err, type: job?.data.type }, 'customer-notices job failed'));
  const q = deps.queues.customerNotices;
  void bestEffort(
    Promise.all([
      q.upsertJobScheduler('customer-notices-sweep', { every: deps.sweepEveryMs ?? 15_000 }, { name: 'sweep', data: { type: 'sweep' } }),
      q.upsertJobScheduler('customer-notices-auto-close', { every: deps.autoCloseEveryMs ?? 15 * 60_000 }, { name: 'auto-close', data: { type: 'auto-close' } }),
    ]),
    deps.log,
    'scheduling the customer-notices jobs',
  );
  return () => worker.close();
}
