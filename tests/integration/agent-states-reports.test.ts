import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';

// A scripted morning for one agent, hand-computed below: AHT counts the after-call work, occupancy counts
// it as busy, break time is reported per reason, and the reports filter and break down by disposition.
let ctx: TestContext;
let token: string;
let ava: number;
let queueId: number;
let lunch: number;
let billing: number;
let refund: number;
const ids: Record<string, number> = {};
const T0 = new Date('2026-03-02T09:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const DAY = `from=2026-03-02T00:00:00.000Z&to=2026-03-03T00:00:00.000Z`;

const json = async (url: string) => {
  const r = await ctx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};

beforeAll(async () => {
  ctx = await createTestContext();
  const db = ctx.db.pool;
  await db.query(`UPDATE organisation_settings SET time_zone = 'UTC'`);
  queueId = (await makeQueue(db, { name: 'Sales' })).id;
  ava = (await makeAgent(db, { name: 'Ava States' })).id;
  const sup = await makeAgent(db, { role: 'supervisor', name: 'Sam Visor' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: sup.email, password: sup.password } })).json().token;
  lunch = (await db.query(`INSERT INTO break_reasons (name_en, name_fa) VALUES ('Lunch', 'ناهار') RETURNING id`)).rows[0].id;
  billing = (await db.query(`INSERT INTO dispositions (code, label_en, label_fa) VALUES ('billing', 'Billing', 'صورتحساب') RETURNING id`)).rows[0].id;
  refund = (await db.query(`INSERT INTO dispositions (code, label_en, label_fa, queue_id) VALUES ('refund', 'Refund', 'بازپرداخت', $1) RETURNING id`, [queueId])).rows[0].id;
  const cu = (await db.query(`INSERT INTO customers (name) VALUES ('States Customer') RETURNING id`)).rows[0].id;

  const newCase = async (key: string, o: { channel: string; created: number; solved?: number; status: string; disposition: number | null }) => {
    const r = await db.query(
      `INSERT INTO cases (customer_id, channel, subject, queue_id, created_at, solved_at, status, disposition_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [cu, o.channel, key, queueId, at(o.created), o.solved === undefined ? null : at(o.solved), o.status, o.disposition],
    );
    ids[key] = r.rows[0].id;
    return r.rows[0].id as number;
  };
  const ev = (caseId: number, type: string, s: number, agentId: number | null = null, data: object = {}) =>
    db.query(`INSERT INTO case_events (case_id, type, agent_id, queue_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [caseId, type, agentId, queueId, JSON.stringify(data), at(s)]);
  const presence = (p: string, s: number, o: { breakReasonId?: number; caseId?: number } = {}) =>
    db.query(`INSERT INTO agent_presence_log (agent_id, presence, started_at, break_reason_id, case_id) VALUES ($1, $2, $3, $4, $5)`, [ava, p, at(s), o.breakReasonId ?? null, o.caseId ?? null]);

  // 1. a chat, accepted at 100 s, solved at 400 s, then 60 s of wrap-up; disposition billing
  const c1 = await newCase('c1', { channel: 'chat', created: 0, solved: 400, status: 'solved', disposition: billing });
  await ev(c1, 'queued', 0);
  await ev(c1, 'accepted', 100, ava);
  await ev(c1, 'assigned', 100, ava);
  await ev(c1, 'solved', 400, ava);
  await ev(c1, 'wrap_up', 460, ava, { seconds: 60 });
  // 2. an email, accepted at 500 s, solved at 800 s (no wrap-up for written work); disposition refund
  const c2 = await newCase('c2', { channel: 'email', created: 500, solved: 800, status: 'solved', disposition: refund });
  await ev(c2, 'queued', 500);
  await ev(c2, 'accepted', 500, ava);
  await ev(c2, 'assigned', 500, ava);
  await ev(c2, 'solved', 800, ava);
  // 3. an email nobody gave a disposition
  await newCase('c3', { channel: 'email', created: 900, status: 'new', disposition: null });

  await presence('available', 0);
  await presence('wrap_up', 400, { caseId: c1 });
  await presence('available', 460);
  await presence('away', 1000, { breakReasonId: lunch });
  await presence('available', 1600);
  await presence('away', 2000);
  await presence('offline', 2300);
});
afterAll(() => ctx?.close());

// By hand:
//   AHT = ((400 − 100) + 60 wrap-up + (800 − 500)) / 2 = 330; with disposition billing: 360
//   busy = cases [100, 400] ∪ [500, 800] (600 s) + wrap-up [400, 460] (60 s) = 660
//   staffed = Available [0, 400] ∪ [460, 1000] ∪ [1600, 2000] (1,340 s) + the wrap-up outside them (60 s) = 1,400
//   breaks: lunch [1000, 1600] = 600 s; no reason [2000, 2300] = 300 s
describe('KPIs with agent states', () => {
  it('AHT includes the wrap-up time, whether the rollups were kept by the trigger or rebuilt', async () => {
    expect((await json(`/api/v1/reports/summary?${DAY}`)).ahtSeconds).toBeCloseTo(330, 6);
    await ctx.db.pool.query(`SELECT report_rollups_rebuild()`);
    expect((await json(`/api/v1/reports/summary?${DAY}`)).ahtSeconds).toBeCloseTo(330, 6);
    // a corrected event recomputes its case, wrap-up included
    await ctx.db.pool.query(`UPDATE case_events SET created_at = created_at WHERE case_id = $1 AND type = 'solved'`, [ids.c1]);
    expect((await json(`/api/v1/kpi/summary?${DAY}`)).ahtSeconds).toBeCloseTo(330, 6);
  });

  it('the per-agent report: AHT with wrap-up, wrap-up counted busy in occupancy, break time per reason', async () => {
    const [row] = await json(`/api/v1/reports/agents?${DAY}&agentId=${ava}`);
    expect(row.ahtSeconds).toBeCloseTo(330, 6);
    expect(row.busySeconds).toBeCloseTo(660, 6);
    expect(row.staffedSeconds).toBeCloseTo(1400, 6);
    expect(row.occupancy).toBeCloseTo(660 / 1400, 6);
    expect(row.wrapUpSeconds).toBeCloseTo(60, 6);
    expect(row.breakSeconds).toEqual({ [String(lunch)]: 600, none: 300 });
    // the same figures from the KPI API's occupancy
    const occ = (await json(`/api/v1/kpi/occupancy?${DAY}`)).agents.find((a: { agentId: number }) => a.agentId === ava);
    expect(occ).toMatchObject({ busySeconds: 660, staffedSeconds: 1400, wrapUpSeconds: 60, breakSeconds: { [String(lunch)]: 600, none: 300 } });
    const csv = await ctx.app.inject({ method: 'GET', url: `/api/v1/reports/agents?${DAY}&agentId=${ava}&format=csv`, headers: { authorization: `Bearer ${token}` } });
    expect(csv.body.split('\r\n')[0]).toContain('wrap_up_seconds');
  });

  it('filters by disposition and breaks the cases down by it', async () => {
    const byDisposition = await json(`/api/v1/reports/breakdown?${DAY}&by=disposition`);
    expect(byDisposition).toEqual(
      expect.arrayContaining([
        { key: 'billing', id: billing, cases: 1, solved: 1 },
        { key: 'refund', id: refund, cases: 1, solved: 1 },
        { key: '', id: null, cases: 1, solved: 0 },
      ]),
    );
    expect(byDisposition).toHaveLength(3);
    const billed = await json(`/api/v1/reports/summary?${DAY}&dispositionId=${billing}`);
    expect(billed).toMatchObject({ offered: 1, answered: 1, solved: 1 });
    expect(billed.ahtSeconds).toBeCloseTo(360, 6);
    const cases = await json(`/api/v1/reports/cases?${DAY}&metric=created&dispositionId=${refund}`);
    expect(cases.map((c: { caseId: number; disposition: string }) => [c.caseId, c.disposition])).toEqual([[ids.c2, 'refund']]);
    const options = await json(`/api/v1/reports/options`);
    expect(options.dispositions.map((d: { code: string }) => d.code).sort()).toEqual(['billing', 'refund']);
  });
});
