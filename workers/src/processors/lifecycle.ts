import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type LifecycleJob } from '../../../server/src/contracts/jobs.js';
import { adapterFor } from '../../../server/src/channels/index.js';
import type { SendContext } from '../../../server/src/channels/types.js';
import type { Channel } from '../../../server/src/contracts/vocabulary.js';

/**
 * Side effects of case lifecycle changes that belong to a channel, e.g. the voice channel
 * connecting a queued caller to the agent who accepted. Retried with backoff on failure.
 */
export function startLifecycleWorker(ctx: SendContext & { connection: Redis; prefix: string }): () => Promise<void> {
  const worker = new Worker<LifecycleJob>(
    QUEUE_NAMES.lifecycle,
    async (job) => {
      if (job.data.type !== 'assigned') return;
      const r = await ctx.db.query(`SELECT channel, assignee_id FROM cases WHERE id = $1`, [job.data.caseId]);
      const row = r.rows[0];
      // a later reassignment makes this one moot
      if (!row || row.assignee_id !== job.data.agentId) return;
      const adapter = adapterFor(row.channel as Channel);
      await adapter?.onAssigned?.(ctx, { caseId: job.data.caseId, agentId: job.data.agentId });
    },
    { connection: ctx.connection, prefix: ctx.prefix, concurrency: 10 },
  );
  worker.on('error', (err) => ctx.log.warn({ err }, 'lifecycle worker error'));
  return () => worker.close();
}
