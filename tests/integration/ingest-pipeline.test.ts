import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementsDuring } from '../helpers/statements.js';
import { Queue } from 'bullmq';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { ingest, type IngestDeps, type InboundMessage } from '../../server/src/ingest/pipeline.js';
import { sweepPendingEnqueues } from '../../server/src/lifecycle/queue.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { PNG_1x1 } from '../helpers/files.js';
import { startPrivateRedis } from '../helpers/private-redis.js';
import { makeAgent } from '../helpers/factories.js';

async function waitUntil(fn: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let ctx: TestContext;
let deps: IngestDeps;

/** Whether the case carries an enqueue mark (its routing job may be missing from Redis). */
async function marked(caseId: number): Promise<boolean> {
  return (await ctx.db.pool.query(`SELECT 1 FROM case_enqueue_marks WHERE case_id = $1`, [caseId])).rowCount === 1;
}

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
    // the enqueue mark is left for the sweep, which deletes marks in batches once the job is known to be in Redis
    expect(c.rows[0]).toMatchObject({ status: 'new', channel: 'sms', routing_state: 'waiting', subject: 'My router is broken' });
    expect(await marked(r.caseId)).toBe(true);
    expect(c.rows[0].number).toBeGreaterThan(1000);
    const ev = await db.query(`SELECT type FROM case_events WHERE case_id = $1 ORDER BY id`, [r.caseId]);
    expect(ev.rows.map((e) => e.type)).toEqual(['created', 'queued']);
    const raw = await db.query(`SELECT payload FROM raw_events WHERE provider_message_id = 'm1'`);
    expect(raw.rows[0].payload).toEqual({ id: 'm1' });
    const job = await ctx.app.queues.routing.getJob(`case-${r.caseId}`);
    expect(job?.data).toMatchObject({ caseId: r.caseId, priority: 40 });
    expect(await sweepPendingEnqueues(db, ctx.app.queues.routing)).toBeGreaterThanOrEqual(1);
    expect(await marked(r.caseId)).toBe(false);
    // the job Redis already held is the one still there (same id, same place)
    expect((await ctx.app.queues.routing.getJob(`case-${r.caseId}`))?.data).toMatchObject({ caseId: r.caseId, priority: 40 });
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
    // the messages that lost the race for the identity left nothing behind and were all recorded once
    const db = ctx.db.pool;
    expect((await db.query(`SELECT count(*)::int n FROM interactions WHERE provider_message_id LIKE 'burst-%'`)).rows[0].n).toBe(10);
    expect((await db.query(`SELECT count(*)::int n FROM raw_events WHERE provider_message_id LIKE 'burst-%'`)).rows[0].n).toBe(10);
    const orphans = await db.query(`SELECT count(*)::int n FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_identities i WHERE i.customer_id = c.id)`);
    expect(orphans.rows[0].n).toBe(0);
  });

  it('stores attachments through the storage interface', async () => {
    const r = await ingest(deps, msg({ id: 'att1', attachments: [{ filename: 'photo.png', contentType: 'image/png', content: PNG_1x1 }] }));
    const a = await ctx.db.pool.query(`SELECT * FROM attachments WHERE interaction_id = $1`, [r.interactionId]);
    expect(a.rows[0]).toMatchObject({ filename: 'photo.png', content_type: 'image/png', size_bytes: PNG_1x1.length });
    expect((await ctx.app.store.get(a.rows[0].storage_key)).equals(PNG_1x1)).toBe(true);
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
      // marks earlier tests left are deleted first, so the sweep below is about this message only
      await waitUntil(() => conn.status === 'ready');
      await sweepPendingEnqueues(ctx.db.pool, queue);
      await redisSrv.stop();
      const r = await ingest({ ...deps, routingQueue: queue }, msg({ id: 'outage', from: { kind: 'phone', value: '+15550008888' } }));
      expect(r.enqueued).toBe(false);
      const c = await ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [r.caseId]);
      expect(c.rows[0]).toEqual({ routing_state: 'waiting' });
      expect(await marked(r.caseId)).toBe(true);
      const stored = await ctx.db.pool.query(`SELECT count(*)::int n FROM interactions WHERE provider_message_id = 'outage'`);
      expect(stored.rows[0].n).toBe(1);

      // A sweep while Redis is still down changes nothing and does not throw.
      expect(await sweepPendingEnqueues(ctx.db.pool, queue)).toBe(0);

      await redisSrv.start();
      await waitUntil(() => conn.status === 'ready');
      expect(await sweepPendingEnqueues(ctx.db.pool, queue)).toBe(1);
      expect((await queue.getJob(`case-${r.caseId}`))?.data.caseId).toBe(r.caseId);
      expect(await marked(r.caseId)).toBe(false);
    } finally {
      await queue.close().catch(() => {});
      conn.disconnect();
      await redisSrv.stop();
    }
  });
});

describe('ingest cost per message', () => {
  it('a first message from a new customer is committed in a handful of statements, writing its case row once in the transaction', async () => {
    // warm the queue look-up as a running hub has it
    await ingest(deps, msg({ id: 'cost-warm', from: { kind: 'phone', value: '+15550009000' } }));
    let r!: Awaited<ReturnType<typeof ingest>>;
    const seen = (
      await statementsDuring(async () => {
        r = await ingest(deps, msg({ id: 'cost-1', from: { kind: 'phone', value: '+15550009001' }, text: 'Where is my parcel?' }));
      })
    ).map((x) => x.text);
    expect(r).toMatchObject({ newCase: true, queued: true, enqueued: true });
    // one statement (its own transaction): raw event, customer, identity, case, events, interaction; no
    // BEGIN/COMMIT round trips and no enqueue-mark delete after Redis took the job (the sweep deletes marks in batches)
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/INSERT INTO raw_events[\s\S]*INSERT INTO customers[\s\S]*INSERT INTO cases[\s\S]*INSERT INTO interactions/);
    // and it is all there, as before
    const db = ctx.db.pool;
    const c = await db.query(`SELECT status, routing_state, routing_priority, first_queued_at, queue_id FROM cases WHERE id = $1`, [r.caseId]);
    expect(c.rows[0]).toMatchObject({ status: 'new', routing_state: 'waiting', routing_priority: 40 });
    expect(await marked(r.caseId)).toBe(true);
    expect(c.rows[0].first_queued_at).toBeInstanceOf(Date);
    const ev = await db.query(`SELECT type, queue_id, channel FROM case_events WHERE case_id = $1 ORDER BY id`, [r.caseId]);
    expect(ev.rows).toEqual([
      { type: 'created', queue_id: c.rows[0].queue_id, channel: 'sms' },
      { type: 'queued', queue_id: c.rows[0].queue_id, channel: 'sms' },
    ]);
    const i = await db.query(`SELECT case_id, customer_id, text, raw_event_id FROM interactions WHERE provider_message_id = 'cost-1'`);
    expect(i.rows[0]).toMatchObject({ case_id: r.caseId, customer_id: r.customerId, text: 'Where is my parcel?' });
    expect(i.rows[0].raw_event_id).not.toBeNull();
  });

  it('a replay of a message without attachments is answered from the transaction, changing nothing', async () => {
    const first = await ingest(deps, msg({ id: 'cost-replay', from: { kind: 'phone', value: '+15550009002' } }));
    const again = await ingest(deps, msg({ id: 'cost-replay', from: { kind: 'phone', value: '+15550009002' } }));
    expect(again).toMatchObject({ duplicate: true, caseId: first.caseId, interactionId: first.interactionId });
    const n = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions WHERE provider_message_id = 'cost-replay'`);
    expect(n.rows[0].n).toBe(1);
  });

  it('a default queue created by an admin applies to the next message at once (the queue look-up cache is dropped)', async () => {
    const before = await ingest(deps, msg({ id: 'cache-1', channel: 'email', from: { kind: 'email', value: 'cache1@example.test' } }));
    const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
    const login = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } });
    const token = login.json().token as string;
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/admin/queues',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'email-first', channels: ['email'], isDefault: true },
    });
    expect(created.statusCode).toBe(201);
    const after = await ingest(deps, msg({ id: 'cache-2', channel: 'email', from: { kind: 'email', value: 'cache2@example.test' } }));
    const q = await ctx.db.pool.query(`SELECT id, queue_id FROM cases WHERE id = ANY($1) ORDER BY id`, [[before.caseId, after.caseId]]);
    expect(q.rows[1].queue_id).toBe(created.json().id);
    expect(q.rows[0].queue_id).not.toBe(created.json().id);
  });
});
