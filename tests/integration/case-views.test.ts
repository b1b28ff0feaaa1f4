import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import type { CaseFilter, CaseViewEntry } from '../../server/src/contracts/case-views.js';

// Case views against Postgres: what each built-in view and each filter field shows, to whom (the access
// policy), in which order, with which counts; saved views personal and shared; and the plans on a few
// thousand rows.

let ctx: TestContext;
type Agent = Awaited<ReturnType<typeof makeAgent>>;
let alice: Agent;
let bob: Agent;
let carol: Agent;
let sup: Agent;
const tokens = new Map<number, string>();
let q1: number;
let q2: number;

async function login(a: Agent) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  tokens.set(a.id, r.json().token);
}
function api(who: Agent, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return ctx.app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${tokens.get(who.id)}` } });
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

interface CaseSpec {
  queueId?: number | null;
  status?: string;
  assigneeId?: number | null;
  priority?: string;
  type?: string;
  tags?: string[];
  channel?: string;
  tier?: string;
  customer?: string;
  subject?: string;
  createdAt?: string;
  lastActivityAt?: string;
  frDue?: string | null;
  resDue?: string | null;
  firstResponseAt?: string | null;
  pendingUntil?: string | null;
  routingState?: string;
}

/** One case with its own customer, exactly as described (no routing runs in this file). */
async function makeCase(s: CaseSpec): Promise<{ id: number; number: number }> {
  const cu = await ctx.db.pool.query(`INSERT INTO customers (name, tier) VALUES ($1, $2) RETURNING id`, [s.customer ?? 'Someone', s.tier ?? 'standard']);
  const r = await ctx.db.pool.query(
    `INSERT INTO cases (customer_id, subject, type, status, priority, channel, queue_id, assignee_id, tags, routing_state,
                        first_response_due_at, resolution_due_at, first_response_at, pending_until, created_at, updated_at, last_activity_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, COALESCE($15, now()), COALESCE($15, now()), COALESCE($16, $15, now()))
     RETURNING id, number`,
    [
      cu.rows[0].id,
      s.subject ?? 'a question',
      s.type ?? 'question',
      s.status ?? 'open',
      s.priority ?? 'normal',
      s.channel ?? 'email',
      s.queueId === undefined ? q1 : s.queueId,
      s.assigneeId ?? null,
      s.tags ?? [],
      s.routingState ?? (s.assigneeId ? 'assigned' : 'none'),
      s.frDue ?? null,
      s.resDue ?? null,
      s.firstResponseAt ?? null,
      s.pendingUntil ?? null,
      s.createdAt ?? null,
      s.lastActivityAt ?? null,
    ],
  );
  return { id: Number(r.rows[0].id), number: Number(r.rows[0].number) };
}

async function run(who: Agent, body: { key?: string; filter?: CaseFilter; sort?: string }): Promise<number[]> {
  const r = await api(who, 'POST', '/api/v1/views/query', { limit: 200, ...body });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().cases.map((c: { id: number }) => c.id);
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

beforeAll(async () => {
  ctx = await createTestContext();
  q1 = (await makeQueue(ctx.db.pool, { name: 'support' })).id;
  q2 = (await makeQueue(ctx.db.pool, { name: 'billing' })).id;
  alice = await makeAgent(ctx.db.pool, { name: 'Alice', queueIds: [q1] });
  bob = await makeAgent(ctx.db.pool, { name: 'Bob', queueIds: [q1] });
  carol = await makeAgent(ctx.db.pool, { name: 'Carol', queueIds: [q2] });
  sup = await makeAgent(ctx.db.pool, { name: 'Sue', role: 'supervisor' });
  for (const a of [alice, bob, carol, sup]) await login(a);
});
afterAll(async () => {
  await ctx.close();
});

describe('built-in views', () => {
  const c = {} as Record<string, { id: number; number: number }>;
  beforeAll(async () => {
    c.aliceOpen = await makeCase({ assigneeId: alice.id, status: 'open', lastActivityAt: minutes(-5) });
    c.alicePending = await makeCase({ assigneeId: alice.id, status: 'pending', pendingUntil: minutes(-10), lastActivityAt: minutes(-50) });
    c.aliceSolved = await makeCase({ assigneeId: alice.id, status: 'solved' });
    c.bobOpen = await makeCase({ assigneeId: bob.id, status: 'open', frDue: minutes(-3), resDue: minutes(600) });
    c.unassignedNew = await makeCase({ status: 'new', routingState: 'waiting', frDue: minutes(10), resDue: minutes(600) });
    c.unassignedOther = await makeCase({ status: 'new', queueId: q2, routingState: 'waiting' });
    c.pendingLater = await makeCase({ assigneeId: bob.id, status: 'pending', pendingUntil: minutes(60) });
    c.onTrack = await makeCase({ assigneeId: bob.id, status: 'open', frDue: minutes(-30), firstResponseAt: minutes(-40), resDue: minutes(300) });
    // carol (another queue) holds a case in alice's queue: alice still reads it (queue member)
    c.carolInQ1 = await makeCase({ assigneeId: carol.id, status: 'open' });
    c.merged = await makeCase({ status: 'open' });
    await ctx.db.pool.query(`UPDATE cases SET merged_into_id = $2 WHERE id = $1`, [c.merged.id, c.aliceOpen.id]);
    // alice is @mentioned on a case of the other queue: she may read that one case
    c.mentionedOther = await makeCase({ queueId: q2, status: 'open', assigneeId: carol.id });
    await ctx.db.pool.query(`INSERT INTO notifications (agent_id, kind, case_id, actor_agent_id, text) VALUES ($1, 'mention', $2, $3, '@alice look')`, [alice.id, c.mentionedOther.id, carol.id]);
  });

  it('My open: the viewer’s new, open and pending cases, nobody else’s, nothing solved or merged', async () => {
    expect(sorted(await run(alice, { key: 'my_open' }))).toEqual(sorted([c.aliceOpen.id, c.alicePending.id]));
    expect(sorted(await run(bob, { key: 'my_open' }))).toEqual(sorted([c.bobOpen.id, c.pendingLater.id, c.onTrack.id]));
  });

  it('Unassigned and Waiting: only cases the viewer may read (their queues); a supervisor sees every queue', async () => {
    expect(await run(alice, { key: 'unassigned' })).toEqual([c.unassignedNew.id]);
    expect(sorted(await run(sup, { key: 'unassigned' }))).toEqual(sorted([c.unassignedNew.id, c.unassignedOther.id]));
    expect(await run(alice, { key: 'waiting' })).toEqual([c.unassignedNew.id]);
    expect(await run(carol, { key: 'waiting' })).toEqual([c.unassignedOther.id]);
  });

  it('Pending due: pending cases whose follow-up time has passed', async () => {
    expect(await run(sup, { key: 'pending_due' })).toEqual([c.alicePending.id]);
  });

  it('Breached/at risk: new or open cases past their running due time or within 15 minutes of it; answered first responses no longer count', async () => {
    // bobOpen: first response overdue; unassignedNew: due in 10 min (at risk); onTrack: answered, resolution far off
    expect(await run(sup, { key: 'breached' })).toEqual([c.bobOpen.id, c.unassignedNew.id]);
    expect(await run(sup, { filter: { sla: ['breached'] } })).toEqual([c.bobOpen.id]);
    expect(await run(sup, { filter: { sla: ['on_track'] } })).toEqual([c.onTrack.id]);
  });

  it('Mentions: open cases the viewer was @mentioned on, readable through the mention alone', async () => {
    expect(await run(alice, { key: 'mentions' })).toEqual([c.mentionedOther.id]);
    expect(await run(bob, { key: 'mentions' })).toEqual([]);
  });

  it('All open: everything open the viewer may read', async () => {
    const aliceAll = await run(alice, { key: 'all_open' });
    expect(sorted(aliceAll)).toEqual(sorted([c.aliceOpen.id, c.alicePending.id, c.bobOpen.id, c.unassignedNew.id, c.pendingLater.id, c.onTrack.id, c.carolInQ1.id, c.mentionedOther.id]));
    expect(aliceAll).not.toContain(c.unassignedOther.id);
    expect((await run(sup, { key: 'all_open' })).length).toBe(aliceAll.length + 1);
  });

  it('the sidebar counts are the lists’ lengths for each caller', async () => {
    for (const who of [alice, carol, sup]) {
      const views = (await api(who, 'GET', '/api/v1/views')).json().views as CaseViewEntry[];
      expect(views.filter((v) => v.builtin).map((v) => v.key)).toEqual(['my_open', 'unassigned', 'waiting', 'pending_due', 'breached', 'mentions', 'all_open']);
      for (const v of views) expect(v.count, `${v.key} for ${who.id}`).toBe((await run(who, { key: v.key })).length);
    }
  });

  it('an unknown view key is a 400, a malformed filter a 400 with the field', async () => {
    expect((await api(alice, 'POST', '/api/v1/views/query', { key: 'everything' })).statusCode).toBe(400);
    const bad = await api(alice, 'POST', '/api/v1/views/query', { filter: { status: ['lost'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/status/);
  });
});

describe('filter fields', () => {
  const c = {} as Record<string, { id: number; number: number }>;
  let q3: number;
  const filter = (f: CaseFilter) => run(sup, { filter: { ...f, queueId: [q3] } });
  beforeAll(async () => {
    // all in a queue of their own so the other tests' cases stay out of the way
    q3 = (await makeQueue(ctx.db.pool, { name: 'fields' })).id;
    c.a = await makeCase({ queueId: q3, channel: 'sms', priority: 'urgent', type: 'complaint', tags: ['billing', 'refund'], tier: 'vip', customer: 'Reza Rahimi', subject: 'Charged twice', createdAt: '2026-11-01T08:00:00Z' });
    c.b = await makeCase({ queueId: q3, channel: 'email', priority: 'low', type: 'question', tags: ['shipping'], customer: 'Nina Park', subject: 'Where is my parcel 50%_off', createdAt: '2026-11-10T08:00:00Z' });
    c.c = await makeCase({ queueId: q3, channel: 'chat', priority: 'high', type: 'incident', tags: ['Billing'.toLowerCase()], customer: 'Omid', subject: 'Outage', status: 'solved', createdAt: '2026-11-20T08:00:00Z', assigneeId: carol.id });
  });

  it('each field narrows; list values match any of them', async () => {
    expect(await filter({ channel: ['sms'] })).toEqual([c.a.id]);
    expect(sorted(await filter({ channel: ['sms', 'chat'] }))).toEqual(sorted([c.a.id, c.c.id]));
    expect(await filter({ priority: ['low'] })).toEqual([c.b.id]);
    expect(await filter({ type: ['incident'] })).toEqual([c.c.id]);
    expect(await filter({ status: ['solved'] })).toEqual([c.c.id]);
    expect(await filter({ customerTier: ['vip'] })).toEqual([c.a.id]);
    expect(sorted(await filter({ tags: ['BILLING'] }))).toEqual(sorted([c.a.id, c.c.id]));
    expect(sorted(await filter({ tags: ['refund', 'shipping'] }))).toEqual(sorted([c.a.id, c.b.id]));
    expect(await filter({ assignee: [carol.id] })).toEqual([c.c.id]);
    expect(sorted(await filter({ assignee: ['none'] }))).toEqual(sorted([c.a.id, c.b.id]));
    expect(await filter({ tags: ['billing'], channel: ['chat'] })).toEqual([c.c.id]);
  });

  it('created range is from-inclusive, to-exclusive', async () => {
    expect(await filter({ createdFrom: '2026-11-10T08:00:00Z', createdTo: '2026-11-20T08:00:00Z' })).toEqual([c.b.id]);
  });

  it('text finds the number, the subject and the customer’s name, % and _ taken literally', async () => {
    expect(await filter({ text: 'rahimi' })).toEqual([c.a.id]);
    expect(await filter({ text: 'TWICE' })).toEqual([c.a.id]);
    expect(await filter({ text: `#${c.b.number}` })).toEqual([c.b.id]);
    expect(await filter({ text: '50%_' })).toEqual([c.b.id]);
    expect(await filter({ text: '%' })).toEqual([c.b.id]);
  });

  it('sorts by priority, age, due time and last activity', async () => {
    const all = { queueId: [q3], channel: ['sms', 'email', 'chat'] as ('sms' | 'email' | 'chat')[] };
    expect(await run(sup, { filter: all, sort: 'priority' })).toEqual([c.a.id, c.c.id, c.b.id]);
    expect(await run(sup, { filter: all, sort: 'age' })).toEqual([c.a.id, c.b.id, c.c.id]);
    expect(await run(sup, { filter: all, sort: 'activity' })).toEqual([c.c.id, c.b.id, c.a.id]);
    await ctx.db.pool.query(`UPDATE cases SET resolution_due_at = $2 WHERE id = $1`, [c.b.id, minutes(30)]);
    expect((await run(sup, { filter: all, sort: 'due' }))[0]).toBe(c.b.id);
  });
});

describe('saved views', () => {
  it('a personal view is its owner’s alone; sharing needs a supervisor; a shared view shows each caller what they may read', async () => {
    const mine = await api(alice, 'POST', '/api/v1/views', { name: 'My billing', filter: { tags: ['billing'] }, sort: 'priority' });
    expect(mine.statusCode, mine.body).toBe(201);
    const key = mine.json().key as string;
    expect((await api(alice, 'GET', '/api/v1/views')).json().views.map((v: CaseViewEntry) => v.name)).toContain('My billing');
    expect((await api(bob, 'GET', '/api/v1/views')).json().views.map((v: CaseViewEntry) => v.name)).not.toContain('My billing');
    expect((await api(bob, 'POST', '/api/v1/views/query', { key })).statusCode).toBe(404);
    expect((await api(bob, 'DELETE', `/api/v1/views/${mine.json().id}`)).statusCode).toBe(404);

    expect((await api(alice, 'POST', '/api/v1/views', { name: 'Team', shared: true, filter: {} })).statusCode).toBe(403);
    const shared = await api(sup, 'POST', '/api/v1/views', { name: 'Billing complaints', shared: true, filter: { tags: ['billing'], status: ['new', 'open', 'solved'] } });
    expect(shared.statusCode).toBe(201);
    const sk = shared.json().key as string;
    // carol (q2) sees the q2 billing cases, alice (q1) none of them
    expect((await run(carol, { key: sk })).length).toBeGreaterThan(0);
    expect(await run(alice, { key: sk })).toEqual([]);
    const entry = (await api(alice, 'GET', '/api/v1/views')).json().views.find((v: CaseViewEntry) => v.key === sk);
    expect(entry).toMatchObject({ shared: true, editable: false, count: 0 });
    expect((await api(alice, 'PATCH', `/api/v1/views/${shared.json().id}`, { name: 'mine now' })).statusCode).toBe(403);

    const renamed = await api(alice, 'PATCH', `/api/v1/views/${mine.json().id}`, { name: 'Billing (mine)' });
    expect(renamed.json()).toMatchObject({ name: 'Billing (mine)', sort: 'priority' });
    expect((await api(alice, 'DELETE', `/api/v1/views/${mine.json().id}`)).statusCode).toBe(200);
    expect((await api(alice, 'POST', '/api/v1/views/query', { key })).statusCode).toBe(404);
  });
});

describe('plans on a few thousand rows', () => {
  it('open-case views read the partial indexes, not every case ever closed', async () => {
    // 4,000 closed cases and 200 open ones, as a hub looks after a while
    await ctx.db.pool.query(
      `WITH cu AS (INSERT INTO customers (name) SELECT 'bulk ' || g FROM generate_series(1, 4200) g RETURNING id)
       INSERT INTO cases (customer_id, subject, channel, status, queue_id, tags, created_at)
       SELECT id, 'subject ' || id, 'email', CASE WHEN id % 21 = 0 THEN 'open' ELSE 'closed' END,
              CASE WHEN id % 2 = 0 THEN $1::bigint ELSE $2::bigint END,
              CASE WHEN id % 7 = 0 THEN '{vip-x}'::text[] ELSE '{}' END, now() - (id || ' minutes')::interval
         FROM cu`,
      [q1, q2],
    );
    await ctx.db.pool.query('ANALYZE cases');
    const plan = async (where: string, params: unknown[]) => {
      const r = await ctx.db.pool.query(`EXPLAIN SELECT c.id FROM cases c WHERE ${where} ORDER BY c.last_activity_at DESC LIMIT 50`, params);
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    };
    const open = `c.status = ANY('{new,open,pending}'::text[])`;
    const byQueue = await plan(`${open} AND c.queue_id = ANY($1::bigint[]) AND c.merged_into_id IS NULL`, [[q2]]);
    const byTag = await plan(`${open} AND c.tags && $1::text[] AND c.merged_into_id IS NULL`, [['vip-x']]);
    const byAge = (await ctx.db.pool.query(`EXPLAIN SELECT c.id FROM cases c WHERE ${open} AND c.merged_into_id IS NULL ORDER BY c.created_at LIMIT 50`)).rows
      .map((x) => x['QUERY PLAN'])
      .join('\n');
    expect(byAge).toMatch(/Index Scan using cases_open_created_idx/);
    expect(byQueue).not.toMatch(/Seq Scan on cases/);
    expect(byTag).not.toMatch(/Seq Scan on cases/);
  });
});
