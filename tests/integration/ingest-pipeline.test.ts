import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { ingest, type IngestDeps, type InboundMessage } from '../../server/src/ingest/pipeline.js';
import { sweepPendingEnqueues } from '../../server/src/lifecycle/queue.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { startPrivateRedis } from '../helpers/private-redis.js';

async function waitUntil(fn: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let ctx: TestContext;
let deps: IngestDeps;

const msg = (o: Partial<InboundMessage> & { id: string }): InboundMessage => ({
  channel: 'sms',
  provider: 'test',
  providerMessageId: o.id,
  from: { kind: 'phone', value: '+15550001111' },
  text: 'hello',
  raw: { id: o.id },
  ...o,
});

beforeAll(async () => {
  ctx = await createTestContext();
  deps = ctx.app.ingestDeps;
});
afterAll(() => ctx.close());

describe('ingest pipeline', () => {
  it('creates customer, case, interaction, raw event and case events in one go, and queues the case', async () => {
    const r = await ingest(deps, msg({ id: 'm1', from: { kind: 'phone', value: '(555) 000-2222' }, text: 'My router is broken' }));
    expect(r.newCase).toBe(true);
    expect(r.duplicate).toBe(false);
    expect(r.enqueued).toBe(true);
    const db = ctx.db.pool;
    const ident = await db.query(`SELECT * FROM customer_identities WHERE customer_id = $1`, [r.customerId]);
    expect(ident.rows[0]).toMatchObject({ kind: 'phone', value: '+15550002222' });
    const c = await db.query(`SELECT * FROM cases WHERE id = $1`, [r.caseId]);
    expect(c.rows[0]).toMatchObject({ status: 'new', channel: 'sms', routing_state: 'waiting', enqueue_pending: false, subject: 'My router is broken' });
    expect(c.rows[0].number).toBeGreaterThan(1000);
    const ev = await db.query(`SELECT type FROM case_events WHERE case_id = $1 ORDER BY id`, [r.caseId]);
    expect(ev.rows.map((e) => e.type)).toEqual(['created', 'queued']);
    const raw = await db.query(`SELECT payload FROM raw_events WHERE provider_message_id = 'm1'`);
    expect(raw.rows[0].payload).toEqual({ id: 'm1' });
    const job = await ctx.app.queues.routing.getJob(`case-${r.caseId}`);
    expect(job?.data).toMatchObject({ caseId: r.caseId, priority: 40 });
  });

  it('threads a second message from the same customer into the open case', async () => {
    const a = await ingest(deps, msg({ id: 't1', from: { kind: 'phone', value: '+15550003333' } }));
    const b = await ingest(deps, msg({ id: 't2', from: { kind: 'phone', value: '+15550003333' }, text: 'anyone there?' }));
    expect(b.caseId).toBe(a.caseId);
    expect(b.newCase).toBe(false);
    const n = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions WHERE case_id = $1`, [a.caseId]);
    expect(n.rows[0].n).toBe(2);
  });

  it('does not thread across channels or customers', async () => {
    const a = await ingest(deps, msg({ id: 'x1', from: { kind: 'email', value: 'Ann@Example.test' }, channel: 'email' }));
    const b = await ingest(deps, msg({ id: 'x2', from: { kind: 'email', value: 'ann@example.test' }, channel: 'portal' }));
    const c = await ingest(deps, msg({ id: 'x3', from: { kind: 'email', value: 'bob@example.test' }, channel: 'email' }));
    expect(b.customerId).toBe(a.customerId);
    expect(b.caseId).not.toBe(a.caseId);
    expect(c.customerId).not.toBe(a.customerId);
  });

  it('reopens a solved case when the customer writes back, and opens a linked case for a closed one', async () => {
    const a = await ingest(deps, msg({ id: 'r1', from: { kind: 'phone', value: '+15550004444' } }));
    await ctx.db.pool.query(`UPDATE cases SET status = 'solved', solved_at = now(), routing_state = 'none' WHERE id = $1`, [a.caseId]);
    const b = await ingest(deps, msg({ id: 'r2', from: { kind: 'phone', value: '+15550004444' } }));
    expect(b).toMatchObject({ caseId: a.caseId, reopened: true });
    const s = await ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [a.caseId]);
    expect(s.rows[0].status).toBe('open');
    await ctx.db.pool.query(`UPDATE cases SET status = 'closed', routing_state = 'none' WHERE id = $1`, [a.caseId]);
    // a reply that names the closed case (e.g. email In-Reply-To) opens a follow-up linked to it
    const c = await ingest(deps, msg({ id: 'r3', from: { kind: 'phone', value: '+15550004444' }, threading: { caseId: a.caseId } }));
    expect(c.newCase).toBe(true);
    const link = await ctx.db.pool.query(`SELECT kind FROM case_links WHERE case_id = $1 AND linked_case_id = $2`, [c.caseId, a.caseId]);
    expect(link.rows[0]?.kind).toBe('follow_up');
  });

  it('a replay of the same provider message id returns the same interaction and changes nothing', async () => {
    const a = await ingest(deps, msg({ id: 'dup1', from: { kind: 'phone', value: '+15550005555' } }));
    const counts = async () =>
      (await ctx.db.pool.query(`SELECT (SELECT count(*) FROM interactions)::int i, (SELECT count(*) FROM case_events)::int e, (SELECT count(*) FROM raw_events)::int r, (SELECT count(*) FROM customers)::int c`)).rows[0];
    const before = await counts();
    const b = await ingest(deps, msg({ id: 'dup1', from: { kind: 'phone', value: '+15550005555' }, text: 'different retry body' }));
    expect(b).toMatchObject({ duplicate: true, interactionId: a.interactionId, caseId: a.caseId });
    expect(await counts()).toEqual(before);
  });

  it('50 concurrent deliveries of one provider message create exactly one interaction', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => ingest(deps, msg({ id: 'storm', from: { kind: 'phone', value: '+15550006666' } }))),
    );
    expect(new Set(results.map((r) => r.interactionId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const n = await ctx.db.pool.query(`SELECT count(*)::int n FROM interactions WHERE provider_message_id = 'storm'`);
    expect(n.rows[0].n).toBe(1);
    const cust = await ctx.db.pool.query(`SELECT count(*)::int n FROM customer_identities WHERE value = '+15550006666'`);
    expect(cust.rows[0].n).toBe(1);
  });

  it('concurrent first messages from one new customer create one customer and one case', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => ingest(deps, msg({ id: `burst-${i}`, from: { kind: 'phone', value: '+15550007777' } }))),
    );
    expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
    expect(new Set(results.map((r) => r.caseId)).size).toBe(1);
  });

  it('stores attachments through the storage interface', async () => {
    const r = await ingest(deps, msg({ id: 'att1', attachments: [{ filename: 'photo.png', contentType: 'image/png', content: Buffer.from('PNGDATA') }] }));
    const a = await ctx.db.pool.query(`SELECT * FROM attachments WHERE interaction_id = $1`, [r.interactionId]);
    expect(a.rows[0]).toMatchObject({ filename: 'photo.png', size_bytes: 7 });
    expect((await ctx.app.store.get(a.rows[0].storage_key)).toString()).toBe('PNGDATA');
  });

  it('rejects an invalid identity without writing anything', async () => {
    const before = (await ctx.db.pool.query(`SELECT count(*)::int n FROM raw_events`)).rows[0].n;
    await expect(ingest(deps, msg({ id: 'bad', from: { kind: 'phone', value: 'not a number' } }))).rejects.toThrow(/not a valid phone/);
    expect((await ctx.db.pool.query(`SELECT count(*)::int n FROM raw_events`)).rows[0].n).toBe(before);
  });

  it('with Redis stopped the message is committed, and the recovery sweep enqueues it after Redis returns', async () => {
    const redisSrv = await startPrivateRedis();
    const conn = createRedis(redisSrv.url, 'producer');
    const queue = new Queue('routing', { connection: conn, prefix: ctx.config.queuePrefix });
    queue.on('error', () => {});
    try {
      await redisSrv.stop();
      const r = await ingest({ ...deps, routingQueue: queue }, msg({ id: 'outage', from: { kind: 'phone', value: '+15550008888' } }));
      expect(r.enqueued).toBe(false);
      const c = await ctx.db.pool.query(`SELECT routing_state, enqueue_pending FROM cases WHERE id = $1`, [r.caseId]);
      expect(c.rows[0]).toEqual({ routing_state: 'waiting', enqueue_pending: true });
      const stored = await ctx.db.pool.query(`SELECT count(*)::int n FROM interactions WHERE provider_message_id = 'outage'`);
      expect(stored.rows[0].n).toBe(1);

      // A sweep while Redis is still down changes nothing and does not throw.
      expect(await sweepPendingEnqueues(ctx.db.pool, queue)).toBe(0);

      await redisSrv.start();
      await waitUntil(() => conn.status === 'ready');
      expect(await sweepPendingEnqueues(ctx.db.pool, queue)).toBe(1);
      expect((await queue.getJob(`case-${r.caseId}`))?.data.caseId).toBe(r.caseId);
      const after = await ctx.db.pool.query(`SELECT enqueue_pending FROM cases WHERE id = $1`, [r.caseId]);
      expect(after.rows[0].enqueue_pending).toBe(false);
    } finally {
      await queue.close().catch(() => {});
      conn.disconnect();
      await redisSrv.stop();
    }
  });
});
