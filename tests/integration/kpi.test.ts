import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';

let ctx: TestContext;
let token: string;
let queueId: number;
const T0 = new Date('2026-03-02T09:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

// A case as the event log would show it: queued at q, optionally accepted/abandoned/solved later.
async function caseWith(o: { channel: string; queuedAt: number; acceptedAt?: number; abandonedAt?: number; firstResponseAt?: number; solvedAt?: number; talkSeconds?: number; csat?: number }) {
  const db = ctx.db.pool;
  const cu = await db.query(`INSERT INTO customers (name) VALUES ('k') RETURNING id`);
  const c = await db.query(
    `INSERT INTO cases (customer_id, channel, queue_id, created_at, first_queued_at, first_response_at, solved_at, status)
     VALUES ($1, $2, $3, $4::timestamptz, CASE WHEN $6::timestamptz IS NULL THEN $4::timestamptz END, $5, $6, $7) RETURNING id`,
    [cu.rows[0].id, o.channel, queueId, at(o.queuedAt), o.firstResponseAt !== undefined ? at(o.firstResponseAt) : null, o.solvedAt !== undefined ? at(o.solvedAt) : null, o.solvedAt !== undefined ? 'solved' : 'open'],
  );
  const id = c.rows[0].id;
  const ev = async (type: string, s: number, data = {}) =>
    db.query(`INSERT INTO case_events (case_id, type, queue_id, channel, created_at, data) VALUES ($1, $2, $3, $4, $5, $6)`, [id, type, queueId, o.channel, at(s), JSON.stringify(data)]);
  await ev('queued', o.queuedAt);
  if (o.acceptedAt !== undefined) await ev('accepted', o.acceptedAt);
  if (o.abandonedAt !== undefined) await ev('abandoned', o.abandonedAt);
  if (o.csat !== undefined) {
    const ratedAt = at((o.solvedAt ?? o.queuedAt) + 60);
    await db.query(`INSERT INTO csat_ratings (case_id, customer_id, channel, rating, source, created_at, updated_at) VALUES ($1, $2, $3, $4, 'portal', $5, $5)`, [id, cu.rows[0].id, o.channel, o.csat, ratedAt]);
  }
  if (o.talkSeconds !== undefined) {
    await db.query(`INSERT INTO interactions (case_id, customer_id, channel, direction, kind, metadata) VALUES ($1, $2, 'voice', 'inbound', 'call', $3)`, [id, cu.rows[0].id, JSON.stringify({ talkSeconds: o.talkSeconds })]);
  }
  return id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  queueId = (await makeQueue(ctx.db.pool, { name: 'support' })).id;
  const sup = await makeAgent(ctx.db.pool, { role: 'supervisor' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: sup.email, password: sup.password } })).json().token;
  // voice: answered in 10 s and 30 s, one caller hung up after 50 s, one answered in 5 s
  await caseWith({ channel: 'voice', queuedAt: 0, acceptedAt: 10, firstResponseAt: 10, solvedAt: 190, talkSeconds: 180, csat: 5 });
  await caseWith({ channel: 'voice', queuedAt: 100, acceptedAt: 130, firstResponseAt: 130, solvedAt: 250, talkSeconds: 120, csat: 2 });
  await caseWith({ channel: 'voice', queuedAt: 200, abandonedAt: 250 });
  await caseWith({ channel: 'voice', queuedAt: 3700, acceptedAt: 3705, firstResponseAt: 3705, solvedAt: 3765, talkSeconds: 60, csat: 4 });
  // email answered after 30 min: within its 1 h threshold
  await caseWith({ channel: 'email', queuedAt: 0, acceptedAt: 1800, firstResponseAt: 2400, solvedAt: 7200 });
});
afterAll(() => ctx.close());

const get = (url: string) => ctx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('historical KPIs', () => {
  it('computes service level, ASA, AHT, abandonment, first response and CSAT per channel', async () => {
    const r = await get(`/api/v1/kpi/summary?from=${at(-1).toISOString()}&to=${at(7200).toISOString()}&channel=voice`);
    expect(r.statusCode).toBe(200);
    const k = r.json();
    expect(k).toMatchObject({ offered: 4, answered: 3, answeredWithinThreshold: 2, abandoned: 1 });
    expect(k.serviceLevel).toBeCloseTo(0.5); // 2 of 4 within 20 s; the abandoned call counts against
    expect(k.abandonmentRate).toBeCloseTo(0.25);
    expect(k.asaSeconds).toBeCloseTo(15); // (10 + 30 + 5) / 3
    expect(k.ahtSeconds).toBeCloseTo(120); // talk time (180 + 120 + 60) / 3
    expect(k.firstResponseSeconds).toBeCloseTo(15);
    expect(k.csat).toBeCloseTo(2 / 3);
    expect(k.csatResponses).toBe(3);
  });

  it('uses the channel threshold: an email answered in 30 min is within service level', async () => {
    const k = (await get(`/api/v1/kpi/summary?from=${at(-1).toISOString()}&to=${at(7201).toISOString()}&channel=email`)).json();
    expect(k).toMatchObject({ offered: 1, answered: 1, answeredWithinThreshold: 1, serviceLevel: 1 });
    expect(k.ahtSeconds).toBeCloseTo(5400);
  });

  it('gives an hourly series for charts', async () => {
    const pts = (await get(`/api/v1/kpi/timeseries?from=${at(-1).toISOString()}&to=${at(7200).toISOString()}&channel=voice&bucket=hour`)).json();
    expect(pts).toHaveLength(2);
    expect(pts[0]).toMatchObject({ offered: 3, answered: 2, abandoned: 1 });
    expect(pts[1]).toMatchObject({ offered: 1, answered: 1, serviceLevel: 1 });
  });

  it('answers staffing questions with Erlang C and rejects nonsense windows', async () => {
    const s = (await get('/api/v1/kpi/staffing?arrivalsPerHour=200&ahtSeconds=180&targetServiceLevel=0.8&thresholdSeconds=20')).json();
    expect(s.agents).toBe(14);
    const bad = await get(`/api/v1/kpi/summary?from=${at(10).toISOString()}&to=${at(0).toISOString()}`);
    expect(bad.statusCode).toBe(400);
    const agent = await makeAgent(ctx.db.pool);
    const t = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } })).json().token;
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/kpi/staffing?arrivalsPerHour=1&ahtSeconds=1', headers: { authorization: `Bearer ${t}` } })).statusCode).toBe(403);
  });
});

describe('occupancy', () => {
  it('is time busy with cases over time Available or busy, overlapping cases counted once', async () => {
    const db = ctx.db.pool;
    const x = await makeAgent(db, { name: 'Occupied Olga' });
    const cu = await db.query(`INSERT INTO customers (name) VALUES ('o') RETURNING id`);
    const newCase = async () => (await db.query(`INSERT INTO cases (customer_id, channel) VALUES ($1, 'chat') RETURNING id`, [cu.rows[0].id])).rows[0].id as number;
    const [a, b, c] = [await newCase(), await newCase(), await newCase()];
    const presence = (p: string, s: number) => db.query(`INSERT INTO agent_presence_log (agent_id, presence, started_at) VALUES ($1, $2, $3)`, [x.id, p, at(s)]);
    const ev = (caseId: number, type: string, s: number) => db.query(`INSERT INTO case_events (case_id, type, agent_id, created_at) VALUES ($1, $2, $3, $4)`, [caseId, type, x.id, at(s)]);
    await presence('available', 0);
    await ev(a, 'assigned', 600);
    await ev(b, 'assigned', 1200);
    await ev(a, 'solved', 1800);
    await ev(b, 'unassigned', 2400);
    await presence('offline', 3600);
    // still finishing a case after going offline: busy, and so staffed
    await ev(c, 'assigned', 3600);
    await ev(c, 'closed', 4200);

    const r = await get(`/api/v1/kpi/occupancy?from=${at(0).toISOString()}&to=${at(7200).toISOString()}`);
    expect(r.statusCode, r.body).toBe(200);
    const olga = r.json().agents.find((g: { agentId: number }) => g.agentId === x.id);
    expect(olga).toMatchObject({ busySeconds: 2400, staffedSeconds: 4200 });
    expect(olga.occupancy).toBeCloseTo(2400 / 4200);
    // a narrower window clips both sides
    const half = (await get(`/api/v1/kpi/occupancy?from=${at(0).toISOString()}&to=${at(1800).toISOString()}`)).json();
    expect(half.agents.find((g: { agentId: number }) => g.agentId === x.id)).toMatchObject({ busySeconds: 1200, staffedSeconds: 1800 });
  });
});
