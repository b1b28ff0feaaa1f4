import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { ingest, type IngestDeps, type InboundMessage } from '../../server/src/ingest/pipeline.js';
import { queueInTx, sweepPendingEnqueues, type RoutingQueueLike } from '../../server/src/lifecycle/queue.js';
import { solveUnheldInTx } from '../../server/src/lifecycle/status.js';
import { withdrawCaseInTx } from '../../server/src/lifecycle/withdraw.js';
import { noEffects } from '../../server/src/lifecycle/effects.js';
import { withTransaction } from '../../server/src/db/pool.js';
import { createRedis } from '../../server/src/lib/redis.js';

/**
 * Enqueue marks (migration 1761): a waiting case whose routing job may be missing from Redis has a row in
 * case_enqueue_marks; the recovery sweep adds the jobs of marked waiting cases and deletes the marks.
 */

let ctx: TestContext;
let deps: IngestDeps;

beforeAll(async () => {
  ctx = await createTestContext();
  deps = ctx.app.ingestDeps;
});
afterAll(() => ctx.close());

async function waitUntil(fn: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const msg = (id: string, phone: string): InboundMessage => ({
  channel: 'sms',
  provider: 'test',
  providerMessageId: id,
  from: { kind: 'phone', value: phone },
  text: 'hello',
  raw: { id },
});

async function marked(caseId: number): Promise<boolean> {
  return (await ctx.db.pool.query(`SELECT 1 FROM case_enqueue_marks WHERE case_id = $1`, [caseId])).rowCount === 1;
}

/** A routing queue that records the cases it was given, and may run something before answering. */
function recordingQueue(during?: (caseId: number) => Promise<void>): RoutingQueueLike & { added: number[] } {
  const added: number[] = [];
  return {
    added,
    async add(_name, data) {
      added.push(data.caseId);
      await during?.(data.caseId);
    },
  };
}

describe('enqueue marks', () => {
  it('the case row carries no enqueue flag and no index for it any more', async () => {
    const col = await ctx.db.pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'cases' AND column_name = 'enqueue_pending'`);
    expect(col.rowCount).toBe(0);
    const idx = await ctx.db.pool.query(`SELECT 1 FROM pg_indexes WHERE tablename = 'cases' AND indexname = 'cases_enqueue_pending_idx'`);
    expect(idx.rowCount).toBe(0);
  });

  it('cases committed while Redis was unreachable are enqueued by the sweep; marks of cases that left the queue are deleted without a job', async () => {
    const redisSrv = await startPrivateRedis();
    const conn = createRedis(redisSrv.url, 'producer');
    const queue = new Queue('routing', { connection: conn, prefix: ctx.config.queuePrefix });
    queue.on('error', () => {});
    try {
      await waitUntil(() => conn.status === 'ready');
      await sweepPendingEnqueues(ctx.db.pool, queue);
      await redisSrv.stop();
      const waits = await ingest({ ...deps, routingQueue: queue }, msg('mk-wait', '+15550011001'));
      const abandoned = await ingest({ ...deps, routingQueue: queue }, msg('mk-abandon', '+15550011002'));
      const solved = await ingest({ ...deps, routingQueue: queue }, msg('mk-solve', '+15550011003'));
      for (const r of [waits, abandoned, solved]) {
        expect(r).toMatchObject({ newCase: true, queued: true, enqueued: false });
        expect(await marked(r.caseId)).toBe(true);
      }
      // leaving the queue leaves the mark: the sweep deletes it
      await withTransaction(ctx.db.pool, (tx) => withdrawCaseInTx(tx, abandoned.caseId, 'abandoned', noEffects()));
      expect(await marked(abandoned.caseId)).toBe(true);

      // Redis still down: the waiting case keeps its mark; the abandoned one needs no job, so its mark goes
      expect(await sweepPendingEnqueues(ctx.db.pool, queue)).toBe(0);
      expect(await marked(waits.caseId)).toBe(true);
      expect(await marked(solved.caseId)).toBe(true);
      expect(await marked(abandoned.caseId)).toBe(false);

      await redisSrv.start();
      await waitUntil(() => conn.status === 'ready');
      expect(await withTransaction(ctx.db.pool, (tx) => solveUnheldInTx(tx, solved.caseId, 'done'))).toBe(true);
      expect(await marked(solved.caseId)).toBe(true);

      // only the case that still waits gets a job; every mark is gone
      expect(await sweepPendingEnqueues(ctx.db.pool, queue)).toBe(1);
      expect((await queue.getJob(`case-${waits.caseId}`))?.data).toMatchObject({ caseId: waits.caseId, reason: 'recovery' });
      expect(await queue.getJob(`case-${solved.caseId}`)).toBeUndefined();
      expect(await queue.getJob(`case-${abandoned.caseId}`)).toBeUndefined();
      expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM case_enqueue_marks`)).rows[0].n).toBe(0);
    } finally {
      await queue.close().catch(() => {});
      conn.disconnect();
      await redisSrv.stop();
    }
  });

  it('a case requeued after the sweep read it keeps its mark for the next round', async () => {
    const r = await ingest(deps, msg('mk-race-1', '+15550011004'));
    expect(await marked(r.caseId)).toBe(true);
    // between the sweep's read and its delete the case is requeued (e.g. declined after an offer) and committed
    const racing = recordingQueue((caseId) => withTransaction(ctx.db.pool, (tx) => queueInTx(tx, caseId, 'requeued')));
    expect(await sweepPendingEnqueues(ctx.db.pool, racing)).toBe(1);
    expect(racing.added).toEqual([r.caseId]);
    expect(await marked(r.caseId)).toBe(true);
    const next = recordingQueue();
    expect(await sweepPendingEnqueues(ctx.db.pool, next)).toBe(1);
    expect(next.added).toEqual([r.caseId]);
    expect(await marked(r.caseId)).toBe(false);
  });

  it('a case being requeued while the sweep deletes keeps its mark (the sweep skips the row the requeue holds)', async () => {
    const r = await ingest(deps, msg('mk-race-2', '+15550011005'));
    const client = await ctx.db.pool.connect();
    try {
      await client.query('BEGIN');
      // not committed yet: its mark insert found the existing mark and did nothing
      await queueInTx(client, r.caseId, 'requeued');
      const q = recordingQueue();
      expect(await sweepPendingEnqueues(ctx.db.pool, q)).toBe(1);
      expect(q.added).toEqual([r.caseId]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await marked(r.caseId)).toBe(true);
  });

  it('a requeue of a case whose mark a path out of the queue left behind keeps one mark', async () => {
    await sweepPendingEnqueues(ctx.db.pool, recordingQueue()); // marks earlier tests left
    const r = await ingest(deps, msg('mk-requeue', '+15550011006'));
    await withTransaction(ctx.db.pool, (tx) => withdrawCaseInTx(tx, r.caseId, 'abandoned', noEffects()));
    await withTransaction(ctx.db.pool, (tx) => queueInTx(tx, r.caseId, 'requeued'));
    expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM case_enqueue_marks WHERE case_id = $1`, [r.caseId])).rows[0].n).toBe(1);
    const q = recordingQueue();
    expect(await sweepPendingEnqueues(ctx.db.pool, q)).toBe(1);
    expect(q.added).toEqual([r.caseId]);
    expect(await marked(r.caseId)).toBe(false);
  });
});
