import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { createHarness, type Harness } from '../helpers/routing-harness.js';
import { syncMarkedCases, type SlaDeps } from '../../workers/src/processors/sla-timers.js';
import { dueTimers, recomputeCaseSla } from '../../server/src/sla/clocks.js';
import { assignCase } from '../../server/src/lifecycle/transfer.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import { ingest } from '../../server/src/ingest/pipeline.js';

// The SLA worker recomputes the marked cases a batch at a time (sla/clocks.ts, recomputeCasesSla): one
// transaction whose statements do not grow with the batch, each case decided as it is on its own.
let h: Harness;
let d: SlaDeps;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const q = (sql: string, params: unknown[] = []) => h.ctx.db.pool.query(sql, params);
const one = async (sql: string, params: unknown[] = []) => (await q(sql, params)).rows[0];
const min = 60_000;

beforeAll(async () => {
  h = await createHarness({}, 0);
  d = { db: h.ctx.db.pool, queues: h.ctx.app.queues, log, clock: () => new Date() };
});
afterAll(async () => {
  await h?.close();
});

async function policy(p: Record<string, unknown>) {
  await q(
    `INSERT INTO sla_policies (name, position, conditions, first_response_minutes, next_response_minutes, resolution_minutes, business_time, warn_percent, escalation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 80, '{}')`,
    [p.name ?? 'p', p.position ?? 0, JSON.stringify(p.conditions ?? {}), p.firstResponseMinutes ?? null, p.nextResponseMinutes ?? null, p.resolutionMinutes ?? null, p.businessTime ?? false],
  );
}

/** A pool of one connection whose every statement is recorded (whitespace folded); waiting for a lock fails it. */
function countedPool() {
  const sent: string[] = [];
  const pool = new pg.Pool({ connectionString: h.ctx.config.databaseUrl, max: 1, options: '-c lock_timeout=5000' });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    client.query = ((...a: unknown[]) => {
      sent.push((typeof a[0] === 'string' ? a[0] : String((a[0] as { text?: string }).text)).replace(/\s+/g, ' ').trim());
      return query(...a);
    }) as typeof client.query;
  });
  return { pool, sent };
}

const KINDS: [string, RegExp][] = [
  ['begin', /^BEGIN$/],
  ['claim', /FROM case_sla_marks m CROSS JOIN LATERAL .* FOR UPDATE OF c SKIP LOCKED\) c ORDER BY m\.case_id LIMIT \$1$/],
  ['policies and hours', /FROM sla_policies p\).* FROM business_hours b/],
  ['facts', /FROM unnest\(\$1::bigint\[\]\) AS x\(id\)/],
  ['clocks', /^INSERT INTO case_sla_clocks/],
  ['met', /^UPDATE case_sla_clocks/],
  ['dropped', /^DELETE FROM case_sla_clocks/],
  ['due times', /^UPDATE cases c .* FROM unnest/],
  ['marks', /^DELETE FROM case_sla_marks/],
  ['commit', /^COMMIT$/],
];
const kinds = (sent: string[]) => sent.map((s) => KINDS.find(([, re]) => re.test(s))?.[0] ?? s);

describe('the SLA batch', () => {
  it('recomputes many marked cases in one transaction of constant statements, as each alone, leaving a locked case for the next round', async () => {
    const queue = await h.queue();
    const office = await h.queue();
    const plain = await h.queue();
    const shift = [['09:00', '17:00']];
    await q(`INSERT INTO business_hours (queue_id, time_zone, weekly) VALUES ($1, 'UTC', $2)`, [office.id, JSON.stringify({ mon: shift, tue: shift, wed: shift, thu: shift, fri: shift })]);
    await policy({ conditions: { queueIds: [queue.id] }, firstResponseMinutes: 30, nextResponseMinutes: 20, resolutionMinutes: 240 });
    // urgent cases of the queue have a resolution target only: an earlier first-response clock is dropped
    await policy({ position: -1, conditions: { queueIds: [queue.id], priorities: ['urgent'] }, resolutionMinutes: 60 });
    await policy({ conditions: { queueIds: [office.id] }, firstResponseMinutes: 60, resolutionMinutes: 480, businessTime: true });
    const agent = await h.agent({ queueIds: [queue.id, office.id, plain.id] });
    const take = (c: number) => assignCase(h.ctx.app.routingDeps, { caseId: c, actorId: agent.id, agentId: agent.id });
    const reply = async (c: number) => {
      const r = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c}/messages`, headers: { authorization: `Bearer ${agent.token}` }, payload: { text: 'on it' } });
      expect(r.statusCode).toBeLessThan(300);
    };
    let n = 0;
    const customerWrites = async (customer: string, c: number) =>
      expect((await ingest(h.ctx.app.ingestDeps, { channel: 'email', provider: 'test', providerMessageId: `batch-${Date.now()}-${++n}`, from: { kind: 'api', value: customer }, text: 'and another thing', raw: {} })).caseId).toBe(c);
    const customer = (name: string) => `batch-${name}-${Date.now()}`;

    // two cases with clocks already: one whose next-response cycle the agent is about to end, one about to lose a target
    const answeredBy = customer('answered');
    const answered = await h.inbound({ channel: 'email', queueId: queue.id, customer: answeredBy });
    await take(answered);
    await reply(answered);
    await customerWrites(answeredBy, answered);
    const dropped = await h.inbound({ channel: 'email', queueId: queue.id });
    await syncMarkedCases(d);
    expect((await one(`SELECT count(*)::int AS n FROM case_sla_clocks WHERE case_id = $1 AND metric = 'next_response' AND met_at IS NULL`, [answered])).n).toBe(1);
    await reply(answered);
    await q(`UPDATE cases SET priority = 'urgent' WHERE id = $1`, [dropped]);

    const fresh = await h.inbound({ channel: 'email', queueId: queue.id });
    const inOffice = await h.inbound({ channel: 'email', queueId: office.id });
    const builtIn = await h.inbound({ channel: 'chat', queueId: plain.id });
    const pending = await h.inbound({ channel: 'email', queueId: queue.id });
    await take(pending);
    const remindAt = new Date(Date.now() + 120 * min);
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: pending, status: 'pending', agentId: agent.id, pendingUntil: remindAt });
    const solved = await h.inbound({ channel: 'email', queueId: queue.id });
    await take(solved);
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: solved, status: 'solved', agentId: agent.id, resolutionNote: 'done by phone' });
    const awaitingBy = customer('awaiting');
    const awaiting = await h.inbound({ channel: 'email', queueId: queue.id, customer: awaitingBy });
    await take(awaiting);
    await reply(awaiting);
    await customerWrites(awaitingBy, awaiting);
    const locked = await h.inbound({ channel: 'email', queueId: queue.id });
    const all = [answered, dropped, fresh, inOffice, builtIn, pending, solved, awaiting, locked];
    const marked = async () => (await q(`SELECT case_id FROM case_sla_marks WHERE case_id = ANY($1::bigint[]) ORDER BY case_id`, [all])).rows.map((r) => Number(r.case_id));
    expect(await marked()).toEqual([...all].sort((a, b) => a - b));

    // a writer holds one case while the batch runs
    const holder = await h.ctx.db.pool.connect();
    const counted = countedPool();
    let done: number;
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [locked]);
      done = await syncMarkedCases({ ...d, db: counted.pool });
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    expect(done).toBe(all.length - 1);
    // one statement of each kind for the eight cases: the claim, one read of the policies and opening hours,
    // one of the facts, one write of each kind
    expect(kinds(counted.sent)).toEqual(['begin', 'claim', 'policies and hours', 'facts', 'clocks', 'met', 'dropped', 'due times', 'marks', 'commit']);
    // the held case was left marked, untouched
    expect(await marked()).toEqual([locked]);
    expect((await one(`SELECT count(*)::int AS n FROM case_sla_clocks WHERE case_id = $1`, [locked])).n).toBe(0);

    // the next round does it, in no more statements for one case than for eight
    counted.sent.length = 0;
    try {
      expect(await syncMarkedCases({ ...d, db: counted.pool })).toBe(1);
    } finally {
      await counted.pool.end();
    }
    expect(kinds(counted.sent)).toEqual(['begin', 'claim', 'policies and hours', 'facts', 'clocks', 'due times', 'marks', 'commit']);
    expect(await marked()).toEqual([]);

    // what each situation gives
    const clocks = async () =>
      (await q(
        `SELECT case_id, metric, policy_id, business_time, target_minutes, started_at, warn_at, due_at, paused, warned_at, breached_at, met_at
           FROM case_sla_clocks WHERE case_id = ANY($1::bigint[]) ORDER BY case_id, metric`,
        [all],
      )).rows;
    const dueTimes = async () => (await q(`SELECT id, first_response_due_at, resolution_due_at FROM cases WHERE id = ANY($1::bigint[]) ORDER BY id`, [all])).rows;
    const rows = await clocks();
    const of = (c: number) => Object.fromEntries(rows.filter((k) => Number(k.case_id) === c).map((k) => [k.metric, k]));
    const created = async (c: number) => (await one(`SELECT created_at FROM cases WHERE id = $1`, [c])).created_at.getTime() as number;
    for (const c of [fresh, locked]) {
      const t0 = await created(c);
      expect(Object.keys(of(c)).sort()).toEqual(['first_response', 'resolution']);
      expect(of(c).first_response.due_at.getTime()).toBe(t0 + 30 * min);
      expect(of(c).resolution.due_at.getTime()).toBe(t0 + 240 * min);
      expect((await one(`SELECT first_response_due_at FROM cases WHERE id = $1`, [c])).first_response_due_at.getTime()).toBe(t0 + 30 * min);
    }
    expect(of(inOffice).first_response).toMatchObject({ business_time: true, target_minutes: 60 });
    expect(of(builtIn).first_response).toMatchObject({ policy_id: null, target_minutes: 2 });
    expect(of(pending).resolution).toMatchObject({ paused: true, due_at: null });
    expect(of(solved).first_response).toMatchObject({ paused: true, due_at: null, met_at: null });
    expect(of(solved).resolution.met_at).toBeInstanceOf(Date);
    const lastIn = async (c: number) => (await one(`SELECT max(created_at) AS at FROM interactions WHERE case_id = $1 AND direction = 'inbound'`, [c])).at as Date;
    const lastOut = async (c: number) => (await one(`SELECT max(created_at) AS at FROM interactions WHERE case_id = $1 AND direction = 'outbound'`, [c])).at as Date;
    expect(of(awaiting).next_response.started_at.getTime()).toBe((await lastIn(awaiting)).getTime());
    expect(of(awaiting).next_response.due_at.getTime()).toBe((await lastIn(awaiting)).getTime() + 20 * min);
    expect(of(answered).next_response.met_at.getTime()).toBe((await lastOut(answered)).getTime());
    expect(Object.keys(of(dropped))).toEqual(['resolution']);
    expect(of(dropped).resolution.target_minutes).toBe(60);

    // and each case recomputed again on its own (the single-case path) finds nothing to change; each of its
    // timers is what the SLA worker's tick reads as due once its time has come
    const due = await dueTimes();
    for (const c of all) {
      const timers = await recomputeCaseSla(h.ctx.db.pool, c, { force: true });
      for (const t of timers) {
        const found = (await dueTimers(h.ctx.db.pool, t.at, 100_000)).filter((x) => x.caseId === c).map((x) => [x.kind, x.metric]);
        expect(found, `${t.kind} ${t.metric} of ${c}`).toContainEqual([t.kind, t.metric]);
      }
      if (c === pending) expect(timers.find((t) => t.kind === 'reminder')?.at.getTime()).toBe(remindAt.getTime());
      if (c === solved) expect(timers).toEqual([]);
    }
    expect(await clocks()).toEqual(rows);
    expect(await dueTimes()).toEqual(due);
  });

  it('recomputes the others when one case of the batch cannot be, leaving that one marked', async () => {
    const broken = await h.queue();
    const plain = await h.queue();
    // a calendar whose time zone the runtime does not know: its cases' business-time clocks cannot be computed
    await q(`INSERT INTO business_hours (queue_id, time_zone, weekly) VALUES ($1, 'Mars/Olympus_Mons', '{}')`, [broken.id]);
    await policy({ conditions: { queueIds: [broken.id] }, firstResponseMinutes: 60, businessTime: true });
    const bad = await h.inbound({ channel: 'email', queueId: broken.id });
    const good = await h.inbound({ channel: 'email', queueId: plain.id });
    const warnings: string[] = [];
    const logged = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });

    expect(await syncMarkedCases({ ...d, log: logged })).toBe(2);
    expect((await one(`SELECT count(*)::int AS n FROM case_sla_clocks WHERE case_id = $1`, [good])).n).toBe(2);
    const marks = async () => (await q(`SELECT case_id FROM case_sla_marks WHERE case_id = ANY($1::bigint[])`, [[bad, good]])).rows.map((r) => Number(r.case_id));
    expect(await marks()).toEqual([bad]);
    expect(warnings).toEqual(['SLA batch recomputation failed; recomputing its cases one at a time', 'SLA recomputation of a case failed; it stays marked']);

    // once its calendar is mended the next round does it
    await q(`UPDATE business_hours SET time_zone = 'UTC' WHERE queue_id = $1`, [broken.id]);
    expect(await syncMarkedCases(d)).toBe(1);
    expect(await marks()).toEqual([]);
    expect((await one(`SELECT business_time FROM case_sla_clocks WHERE case_id = $1 AND metric = 'first_response'`, [bad])).business_time).toBe(true);
  });

  it("a new case starts with the due times the SLA worker computes, so its row is not written a second time", async () => {
    const queue = await h.queue();
    const who = `due-${Date.now()}`;
    const message = (n: number, threading?: { forceNewCase: boolean }) =>
      ingest(h.ctx.app.ingestDeps, { channel: 'sms', provider: 'test', providerMessageId: `${who}-${n}`, from: { kind: 'api', value: who }, text: 'hello', raw: {}, caseDefaults: { queueId: queue.id, priority: 'high' }, threading });
    // a stranger's first message (one statement), then a second case of the now known customer (the general path)
    const first = await message(1);
    const second = await message(2, { forceNewCase: true });
    expect(second.caseId).not.toBe(first.caseId);
    const ids = [first.caseId, second.caseId];
    const rows = async () =>
      (await q(`SELECT id, xmin::text AS version, created_at, first_response_due_at, resolution_due_at FROM cases WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids])).rows;
    const before = await rows();
    // the built-in policy for a high-priority SMS case, counted from the case's creation
    for (const r of before) {
      expect(r.first_response_due_at.getTime() - r.created_at.getTime()).toBe(15 * 0.5 * min);
      expect(r.resolution_due_at.getTime() - r.created_at.getTime()).toBe(24 * 60 * min);
    }
    while ((await syncMarkedCases(d)) > 0);
    expect((await q(`SELECT count(*)::int AS n FROM case_sla_clocks WHERE case_id = ANY($1::bigint[])`, [ids])).rows[0].n).toBe(4);
    // the worker found the due times it would have written: the rows are the versions ingest committed
    expect(await rows()).toEqual(before);
  });

  it('an agent taking a case (new → open) leaves it unmarked; putting it on pending marks it', async () => {
    const queue = await h.queue();
    const agent = await h.agent({ queueIds: [queue.id] });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    while ((await syncMarkedCases(d)) > 0);
    const marked = async () => (await one(`SELECT count(*)::int AS n FROM case_sla_marks WHERE case_id = $1`, [c])).n;
    await assignCase(h.ctx.app.routingDeps, { caseId: c, actorId: agent.id, agentId: agent.id });
    expect((await one(`SELECT status FROM cases WHERE id = $1`, [c])).status).toBe('open');
    // no clock can move: nothing for the SLA worker to recompute
    expect(await marked()).toBe(0);
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: c, status: 'pending', agentId: agent.id });
    expect(await marked()).toBe(1);
  });
});
