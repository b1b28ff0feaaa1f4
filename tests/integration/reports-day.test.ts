import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';

// A scripted day at a contact centre in Tehran (UTC+03:30), hand-computed below; every report must give
// these rows, in the organisation's hours, whether the rollups were kept by the trigger or rebuilt.
let ctx: TestContext;
let token: string;
let ava: number;
let ben: number;
let queueId: number;
const ids: Record<string, number> = {};
const T0 = new Date('2026-03-02T05:30:00Z'); // Monday 2 March 2026, 09:00 in Tehran
const at = (s: number) => new Date(T0.getTime() + s * 1000);
// the whole Tehran day: 00:00 to 24:00 +03:30
const DAY = `from=2026-03-01T20:30:00.000Z&to=2026-03-02T20:30:00.000Z`;

const get = (url: string) => ctx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const json = async (url: string) => {
  const r = await get(url);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};

beforeAll(async () => {
  ctx = await createTestContext();
  const db = ctx.db.pool;
  await db.query(`UPDATE organisation_settings SET time_zone = 'Asia/Tehran'`);
  queueId = (await makeQueue(db, { name: 'Support' })).id;
  ava = (await makeAgent(db, { name: 'Ava Report' })).id;
  ben = (await makeAgent(db, { name: 'Ben Report' })).id;
  const sup = await makeAgent(db, { role: 'supervisor', name: 'Sue Visor' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: sup.email, password: sup.password } })).json().token;
  const cu = (await db.query(`INSERT INTO customers (name) VALUES ('Day Customer') RETURNING id`)).rows[0].id;

  const newCase = async (key: string, o: { channel: string; type: string; tags: string[]; subject: string; created: number; firstResponse?: number; solved?: number; status: string }) => {
    const r = await db.query(
      `INSERT INTO cases (customer_id, channel, type, tags, subject, queue_id, created_at, first_response_at, solved_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [cu, o.channel, o.type, o.tags, o.subject, queueId, at(o.created), o.firstResponse === undefined ? null : at(o.firstResponse), o.solved === undefined ? null : at(o.solved), o.status],
    );
    ids[key] = r.rows[0].id;
    return r.rows[0].id as number;
  };
  const ev = (caseId: number, type: string, s: number, agentId: number | null = null) =>
    db.query(`INSERT INTO case_events (case_id, type, agent_id, queue_id, created_at) VALUES ($1, $2, $3, $4, $5)`, [caseId, type, agentId, queueId, at(s)]);
  const presence = (agentId: number, p: string, s: number) => db.query(`INSERT INTO agent_presence_log (agent_id, presence, started_at) VALUES ($1, $2, $3)`, [agentId, p, at(s)]);
  const rate = (caseId: number, rating: number, s: number) =>
    db.query(`INSERT INTO csat_ratings (case_id, customer_id, channel, rating, source, created_at, updated_at) VALUES ($1, $2, 'chat', $3, 'portal', $4, $4)`, [caseId, cu, rating, at(s)]);

  await presence(ava, 'available', 0); // 09:00–13:00
  await presence(ben, 'available', 3600); // 10:00–11:00
  await presence(ben, 'offline', 7200);
  await presence(ava, 'offline', 14400);

  // 1. 09:00 call, answered by Ava in 10 s, 180 s talk, solved; rated 5
  const c1 = await newCase('c1', { channel: 'voice', type: 'question', tags: ['billing'], subject: 'Bill question', created: 0, firstResponse: 10, solved: 190, status: 'solved' });
  await ev(c1, 'queued', 0);
  await ev(c1, 'accepted', 10, ava);
  await ev(c1, 'assigned', 10, ava);
  await ev(c1, 'solved', 190, ava);
  await db.query(`INSERT INTO interactions (case_id, customer_id, channel, direction, kind, metadata, created_at) VALUES ($1, $2, 'voice', 'inbound', 'call', '{"talkSeconds": 180}', $3)`, [c1, cu, at(10)]);
  await rate(c1, 5, 250);
  // 2. 09:05 call, the caller hangs up after 40 s: a complaint nobody answered
  const c2 = await newCase('c2', { channel: 'voice', type: 'complaint', tags: ['billing', 'refund'], subject: 'Refund "now", please', created: 300, status: 'open' });
  await ev(c2, 'queued', 300);
  await ev(c2, 'abandoned', 340);
  // 3. 10:20 chat complaint, Ben answers after 30 s (over the 20 s threshold), solves it; the customer reopens it an hour later; rated 2
  const c3 = await newCase('c3', { channel: 'chat', type: 'complaint', tags: ['delivery'], subject: '=HYPERLINK("x")', created: 4800, firstResponse: 4860, status: 'open' });
  await ev(c3, 'queued', 4800);
  await ev(c3, 'accepted', 4830, ben);
  await ev(c3, 'assigned', 4830, ben);
  await ev(c3, 'solved', 5400, ben);
  await ev(c3, 'reopened', 9000);
  await rate(c3, 2, 5460);
  // 4. 10:40 email request, Ava takes it after 30 min (within the 1 h threshold), solves it at 12:00
  const c4 = await newCase('c4', { channel: 'email', type: 'request', tags: [], subject: 'New address', created: 6000, firstResponse: 8400, solved: 10800, status: 'solved' });
  await ev(c4, 'queued', 6000);
  await ev(c4, 'accepted', 7800, ava);
  await ev(c4, 'assigned', 7800, ava);
  await ev(c4, 'solved', 10800, ava);
});
afterAll(() => ctx.close());

// The day by hand:
//   offered 4 (c1 c2 c3 c4); answered 3; within threshold 2 (c1 10 s ≤ 20, c4 1800 s ≤ 3600; c3 30 s > 20); abandoned 1 (c2)
//   ASA (10 + 30 + 1800) / 3; first response over cases created: (10 + 60 + 2400) / 3; resolution (c1 190, c4 4800) / 2
//   AHT over cases solved now: c1 talk 180, c4 accept → solve 3000 → 1590 (c3 was reopened: not solved)
//   FCR: first solved c1 c3 c4, c3 reopened within 7 days → 2 / 3; CSAT 5 and 2 → 1 / 2
//   occupancy: Ava busy 180 + 3000 of 14,400 s available; Ben 570 of 3,600 → 3750 / 18000
const SUMMARY = {
  offered: 4,
  answered: 3,
  answeredWithinThreshold: 2,
  abandoned: 1,
  serviceLevel: 0.5,
  abandonmentRate: 0.25,
  asaSeconds: 1840 / 3,
  ahtSeconds: 1590,
  firstResponseSeconds: 2470 / 3,
  resolutionSeconds: 2495,
  csat: 0.5,
  csatResponses: 2,
  solved: 3,
  firstContactResolution: 2 / 3,
  occupancy: 3750 / 18000,
};

function expectClose(actual: Record<string, unknown>, expected: Record<string, number>) {
  for (const [k, v] of Object.entries(expected)) expect(actual[k], k).toBeCloseTo(v, 6);
}

describe('reports over a scripted day', () => {
  it('gives the summary tiles, also when filtered by channel, agent, type and tag', async () => {
    expectClose(await json(`/api/v1/reports/summary?${DAY}`), SUMMARY);
    expect(await json(`/api/v1/reports/summary?${DAY}&channel=voice`)).toMatchObject({ offered: 2, answered: 1, abandoned: 1, answeredWithinThreshold: 1 });
    expect(await json(`/api/v1/reports/summary?${DAY}&agentId=${ben}`)).toMatchObject({ offered: 1, answered: 1, answeredWithinThreshold: 0, solved: 1, firstContactResolution: 0 });
    expect(await json(`/api/v1/reports/summary?${DAY}&caseType=complaint`)).toMatchObject({ offered: 2, answered: 1, abandoned: 1 });
    expect(await json(`/api/v1/reports/summary?${DAY}&tag=billing`)).toMatchObject({ offered: 2, answered: 1, abandoned: 1, csatResponses: 1 });
    expect((await json(`/api/v1/reports/summary?${DAY}&queueId=${queueId}`)).offered).toBe(4);
  });

  it('buckets volume by the organisation’s hours and days, per channel', async () => {
    const hours = await json(`/api/v1/reports/volume?${DAY}&bucket=hour`);
    expect(hours).toEqual([
      // 09:00 Tehran = 05:30 UTC
      { bucket: '2026-03-02T05:30:00.000Z', channel: 'voice', offered: 2, answered: 1, abandoned: 1, answeredWithinThreshold: 1, serviceLevel: 0.5, asaSeconds: 10 },
      { bucket: '2026-03-02T06:30:00.000Z', channel: 'chat', offered: 1, answered: 1, abandoned: 0, answeredWithinThreshold: 0, serviceLevel: 0, asaSeconds: 30 },
      { bucket: '2026-03-02T06:30:00.000Z', channel: 'email', offered: 1, answered: 1, abandoned: 0, answeredWithinThreshold: 1, serviceLevel: 1, asaSeconds: 1800 },
    ]);
    const days = await json(`/api/v1/reports/volume?${DAY}&bucket=day`);
    expect(days.map((d: { bucket: string; channel: string; offered: number }) => [d.bucket, d.channel, d.offered])).toEqual([
      ['2026-03-01T20:30:00.000Z', 'chat', 1],
      ['2026-03-01T20:30:00.000Z', 'email', 1],
      ['2026-03-01T20:30:00.000Z', 'voice', 2],
    ]);
  });

  it('gives the weekday × hour heatmap as arrivals per hour', async () => {
    const cells = await json(`/api/v1/reports/heatmap?${DAY}`);
    expect(cells).toHaveLength(24); // one day: Monday's 24 hours
    expect(cells.filter((c: { offered: number }) => c.offered)).toEqual([
      { weekday: 1, hour: 9, offered: 2, perHour: 2 },
      { weekday: 1, hour: 10, offered: 2, perHour: 2 },
    ]);
  });

  it('gives the per-agent table and its CSV', async () => {
    const rows = await json(`/api/v1/reports/agents?${DAY}`);
    const a = rows.find((r: { agentId: number }) => r.agentId === ava);
    const b = rows.find((r: { agentId: number }) => r.agentId === ben);
    expect(a).toMatchObject({ name: 'Ava Report', accepted: 2, solved: 2, ahtSeconds: 1590, firstResponseSeconds: 1205, firstContactResolution: 1, csat: 1, csatResponses: 1, busySeconds: 3180, staffedSeconds: 14400 });
    expect(b).toMatchObject({ name: 'Ben Report', accepted: 1, solved: 1, ahtSeconds: 570, firstResponseSeconds: 60, firstContactResolution: 0, csat: 0, csatResponses: 1, busySeconds: 570, staffedSeconds: 3600 });

    const csv = await get(`/api/v1/reports/agents?${DAY}&format=csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="agents.csv"');
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('agent_id,agent,accepted,solved,aht_seconds,first_response_seconds,first_contact_resolution,csat,csat_responses,busy_seconds,staffed_seconds,occupancy,wrap_up_seconds,break_seconds');
    expect(lines).toContain(`${ava},Ava Report,2,2,1590,1205,1,1,1,3180,14400,${3180 / 14400},0,{}`);
    expect(lines).toContain(`${ben},Ben Report,1,1,570,60,0,0,1,570,3600,${570 / 3600},0,{}`);
  });

  it('breaks cases down by type and complaints by tag', async () => {
    expect(await json(`/api/v1/reports/breakdown?${DAY}&by=type`)).toEqual([
      { key: 'complaint', cases: 2, solved: 0 },
      { key: 'question', cases: 1, solved: 1 },
      { key: 'request', cases: 1, solved: 1 },
    ]);
    expect(await json(`/api/v1/reports/breakdown?${DAY}&by=tag&caseType=complaint`)).toEqual([
      { key: 'billing', cases: 1, solved: 0 },
      { key: 'delivery', cases: 1, solved: 0 },
      { key: 'refund', cases: 1, solved: 0 },
    ]);
  });

  it('drills down from a figure to its cases, and exports one row per case as CSV', async () => {
    const caseIds = async (q: string) => (await json(`/api/v1/reports/cases?${DAY}&${q}`)).map((c: { caseId: number }) => c.caseId);
    expect(await caseIds('metric=abandoned')).toEqual([ids.c2]);
    expect(await caseIds('metric=within')).toEqual([ids.c1, ids.c4]);
    expect(await caseIds('metric=fcr')).toEqual([ids.c1, ids.c4]);
    expect(await caseIds('metric=reopened')).toEqual([ids.c3]);
    expect(await caseIds('metric=offered&weekday=1&hour=10')).toEqual([ids.c3, ids.c4]);
    expect(await caseIds(`metric=solved&agentId=${ava}`)).toEqual([ids.c1, ids.c4]);
    expect(await caseIds('metric=created&caseType=complaint&tag=refund')).toEqual([ids.c2]);

    const csv = await get(`/api/v1/reports/cases?${DAY}&metric=created&format=csv`);
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('case_id,number,subject,channel,type,status,queue,agent,tags,created_at,queued_at,accepted_at,wait_seconds,abandoned,first_response_at,solved_at,reopened,csat,disposition');
    expect(lines).toHaveLength(6); // header, four cases, the empty string after the last CRLF
    const num = async (id: number) => (await ctx.db.pool.query(`SELECT number FROM cases WHERE id = $1`, [id])).rows[0].number;
    // a quote and a comma: quoted, quotes doubled
    expect(lines[2]).toBe(
      `${ids.c2},${await num(ids.c2!)},"Refund ""now"", please",voice,complaint,open,Support,,billing refund,${at(300).toISOString()},${at(300).toISOString()},,,true,,,false,,`,
    );
    // text a spreadsheet would run as a formula starts with an apostrophe
    expect(lines[3]).toBe(
      `${ids.c3},${await num(ids.c3!)},"'=HYPERLINK(""x"")",chat,complaint,open,Support,Ben Report,delivery,${at(4800).toISOString()},${at(4800).toISOString()},${at(4830).toISOString()},30,false,${at(4860).toISOString()},,true,2,`,
    );
  });

  it('gives the same figures after the rollups are rebuilt from the event log', async () => {
    const before = await json(`/api/v1/reports/agents?${DAY}`);
    await ctx.db.pool.query(`SELECT report_rollups_rebuild()`);
    expectClose(await json(`/api/v1/reports/summary?${DAY}`), SUMMARY);
    expect(await json(`/api/v1/reports/agents?${DAY}`)).toEqual(before);
  });

  it('follows a corrected event: its case is recomputed from its events', async () => {
    // the call was answered 25 s after it queued, not 10 s: now outside the 20 s threshold
    await ctx.db.pool.query(`UPDATE case_events SET created_at = $2 WHERE case_id = $1 AND type = 'accepted'`, [ids.c1, at(25)]);
    const k = await json(`/api/v1/reports/summary?${DAY}`);
    expect(k.answeredWithinThreshold).toBe(1);
    expect(k.asaSeconds).toBeCloseTo(1855 / 3, 6);
    await ctx.db.pool.query(`UPDATE case_events SET created_at = $2 WHERE case_id = $1 AND type = 'accepted'`, [ids.c1, at(10)]);
    expectClose(await json(`/api/v1/reports/summary?${DAY}`), SUMMARY);
  });

  it('refuses agents, backwards windows and windows over 400 days', async () => {
    const agent = await makeAgent(ctx.db.pool);
    const t = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } })).json().token;
    expect((await ctx.app.inject({ method: 'GET', url: `/api/v1/reports/summary?${DAY}`, headers: { authorization: `Bearer ${t}` } })).statusCode).toBe(403);
    expect((await get(`/api/v1/reports/summary?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`)).statusCode).toBe(400);
    expect((await get(`/api/v1/reports/summary?from=2025-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`)).statusCode).toBe(400);
    expect((await get(`/api/v1/reports/cases?${DAY}&metric=bogus`)).statusCode).toBe(400);
  });
});
