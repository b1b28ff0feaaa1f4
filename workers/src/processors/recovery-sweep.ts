import type { Log as Logger } from '../../../server/src/lib/log.js';
import type pg from 'pg';
import type { HubQueues } from '../../../server/src/lib/queues.js';
import { sweepPendingEnqueues } from '../../../server/src/lifecycle/queue.js';
import { sweepQueuedOutbound } from '../../../server/src/outbound/sweep.js';

/**
 * Postgres is the record: any committed case whose routing job did not reach Redis
 * (Redis down, process killed between commit and enqueue) is enqueued here.
 */
export function startRecoverySweep(deps: { db: pg.Pool; queues: HubQueues; log: Logger; intervalMs: number; outboundAfterMs?: number; clock?: () => Date }): () => Promise<void> {
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const n = await sweepPendingEnqueues(deps.db, deps.queues.routing, deps.log);
      // most are flags ingest left for this sweep (their jobs were already in Redis): not news
      if (n) deps.log.debug({ enqueued: n }, 'recovery sweep confirmed routing jobs of flagged cases');
      const o = await sweepQueuedOutbound(deps.db, deps.queues.outbound, 500, deps.outboundAfterMs);
      if (o) deps.log.info({ requeued: o }, 'recovery sweep re-added outbound deliveries');
    } catch (err) {
      deps.log.warn({ err }, 'recovery sweep failed; will retry');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, deps.intervalMs);
  void tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
  };
}
