import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createHarness, until, caseEvents, type Harness, type AgentClient } from '../helpers/routing-harness.js';
import { fireDueTimers, handleSlaTimer, startSlaWorker, syncMarkedCases, type SlaDeps } from '../../workers/src/processors/sla-timers.js';
import { dueTimers } from '../../server/src/sla/clocks.js';
import { assignCase } from '../../server/src/lifecycle/transfer.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import { listMyCases } from '../../server/src/cases/case-view.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import type { CaseAlertPayload } from '../../server/src/contracts/sla.js';

// The SLA code reads the time from an injected clock: these tests move it instead of waiting.
let h: Harness;
let now = new Date();
let d: SlaDeps;
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const q = (sql: string, params: unknown[] = []) => h.ctx.db.pool.query(sql, params);
const one = async (sql: string, params: unknown[] = []) => (await q(sql, params)).rows[0];
const alerts = (a: AgentClient, caseId: number) => a.events.filter((e) => e.event === 'case:alert' && (e.payload as CaseAlertPayload).caseId === caseId).map((e) => e.payload as CaseAlertPayload);

beforeAll(async () => {
  h = await createHarness({}, 0);
  d = { db: h.ctx.db.pool, queues: h.ctx.app.queues, log, clock: () => now };
});
afterAll(async () => {
  await h?.close();
});

/** Monday–Friday 09:00–17:00 UTC for the queue. */
async function officeHours(queueId: number) {
  const shift = [['09:00', '17:00']];
  await q(`INSERT INTO business_hours (queue_id, time_zone, weekly) VALUES ($1, 'UTC', $2)`, [queueId, JSON.stringify({ mon: shift, tue: shift, wed: shift, thu: shift, fri: shift })]);
}

async function policy(p: Record<string, unknown>) {
  const r = await q(
    `INSERT INTO sla_policies (name, position, conditions, first_response_minutes, resolution_minutes, business_time, warn_percent, escalation)
     VALUES ($1, $2, $3, $4, $5, $6, 80, $7) RETURNING id`,
    [p.name ?? 'p', p.position ?? 0, JSON.stringify(p.conditions ?? {}), p.firstResponseMinutes ?? null, p.resolutionMinutes ?? null, p.businessTime ?? true, JSON.stringify(p.escalation ?? {})],
  );
  return Number(r.rows[0].id);
}

describe('SLA warning and breach in business time', () => {
  it('warns at 80 % and breaches at 100 % of the open hours of a waiting case, raising its priority', async () => {
    const queue = await h.queue();
    await officeHours(queue.id);
    await policy({ conditions: { queueIds: [queue.id] }, firstResponseMinutes: 60, escalation: { raisePriority: true, notifySupervisors: true } });
    const sup = await h.agent({ role: 'supervisor' });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    // the mail came in on Friday 2027-03-05 at 16:30, half an hour before closing
    await q(`UPDATE cases SET created_at = '2027-03-05T16:30:00Z' WHERE id = $1`, [c]);
    now = new Date('2027-03-05T16:30:00Z');
    await syncMarkedCases(d);

    // 30 minutes on Friday, 30 on Monday: due Monday 09:30; warning at 48 minutes, Monday 09:18
    const row = await one(`SELECT first_response_due_at, routing_priority FROM cases WHERE id = $1`, [c]);
    expect(row.first_response_due_at.toISOString()).toBe('2027-03-08T09:30:00.000Z');
    expect(row.routing_priority).toBe(60);
    // the worker's tick finds the warning due from 09:18 on Monday, not a second before
    const dueOf = async (at: string) => (await dueTimers(h.ctx.db.pool, new Date(at), 100_000)).filter((t) => t.caseId === c).map((t) => t.kind);
    expect(await dueOf('2027-03-08T09:17:59Z')).toEqual([]);
    expect(await dueOf('2027-03-08T09:18:00Z')).toEqual(['warn']);

    // the weekend passes: nothing yet a minute before the warning
    now = new Date('2027-03-08T09:17:00Z');
    expect(await handleSlaTimer(d, { caseId: c, kind: 'warn', metric: 'first_response' })).toBe('not-due');
    now = new Date('2027-03-08T09:18:00Z');
    expect(await handleSlaTimer(d, { caseId: c, kind: 'warn', metric: 'first_response' })).toBe('fired');
    expect((await one(`SELECT routing_priority FROM cases WHERE id = $1`, [c])).routing_priority).toBe(55);
    await until(() => alerts(sup, c).find((a) => a.kind === 'sla_warning'), 'the supervisor is told of the warning');
    // the same wake-up again (a rebuild, a retry) changes nothing
    expect(await handleSlaTimer(d, { caseId: c, kind: 'warn', metric: 'first_response' })).toBe('stale');

    now = new Date('2027-03-08T09:30:00Z');
    expect(await handleSlaTimer(d, { caseId: c, kind: 'due', metric: 'first_response' })).toBe('fired');
    const after = await one(`SELECT priority, routing_priority, sla_breached_at FROM cases WHERE id = $1`, [c]);
    expect(after.priority).toBe('high');
    expect(after.sla_breached_at.toISOString()).toBe('2027-03-08T09:30:00.000Z');
    expect(after.routing_priority).toBe(60 - 4 - 5);
    const types = (await caseEvents(h.ctx.db.pool, c)).map((e) => e.type);
    expect(types.filter((t) => t === 'sla_warning' || t === 'sla_breach')).toEqual(['sla_warning', 'sla_breach']);
    await until(() => alerts(sup, c).find((a) => a.kind === 'sla_breach'), 'the supervisor is told of the breach');
    // the waiting case's routing job carries the new priority
    await until(async () => (await h.ctx.app.queues.routing.getJob(`case-${c}`))?.opts.priority === 51, 'routing job re-added at 51');
  });

  it('escalates an assigned case too: warning to its agent, breach hands it to the team lead', async () => {
    const queue = await h.queue();
    const lead = await h.agent({ queueIds: [queue.id], role: 'supervisor' });
    const agent = await h.agent({ queueIds: [queue.id] });
    await q(`UPDATE queues SET lead_agent_id = $2 WHERE id = $1`, [queue.id, lead.id]);
    // calendar time: two hours to resolve
    await policy({ conditions: { queueIds: [queue.id] }, resolutionMinutes: 120, businessTime: false, escalation: { toTeamLead: true, notifySupervisors: true } });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    await assignCase(h.ctx.app.routingDeps, { caseId: c, actorId: lead.id, agentId: agent.id });
    const t0 = (await one(`SELECT created_at FROM cases WHERE id = $1`, [c])).created_at as Date;
    now = t0;
    await syncMarkedCases(d);
    expect((await one(`SELECT resolution_due_at FROM cases WHERE id = $1`, [c])).resolution_due_at.getTime()).toBe(t0.getTime() + 120 * 60_000);

    now = new Date(t0.getTime() + 96 * 60_000);
    expect(await handleSlaTimer(d, { caseId: c, kind: 'warn', metric: 'resolution' })).toBe('fired');
    await until(() => alerts(agent, c).find((a) => a.kind === 'sla_warning' && a.metric === 'resolution'), 'the assignee is told of the warning');
    // and it stays in the assignee's bell (stored, listed after a reload)
    await until(
      async () => (await one(`SELECT count(*)::int AS n FROM notifications WHERE agent_id = $1 AND case_id = $2 AND kind = 'sla_warning'`, [agent.id, c])).n === 1,
      'the warning in the bell',
    );

    now = new Date(t0.getTime() + 120 * 60_000);
    expect(await handleSlaTimer(d, { caseId: c, kind: 'due', metric: 'resolution' })).toBe('fired');
    expect((await one(`SELECT assignee_id, routing_state FROM cases WHERE id = $1`, [c]))).toMatchObject({ assignee_id: lead.id, routing_state: 'assigned' });
    const ev = await caseEvents(h.ctx.db.pool, c);
    expect(ev.find((e) => e.type === 'transferred')?.data).toMatchObject({ fromAgentId: agent.id, toAgentId: lead.id });
    await until(() => alerts(lead, c).find((a) => a.kind === 'sla_breach'), 'the lead is told');
  });

  it('stops the first-response clock when the agent answers', async () => {
    const queue = await h.queue();
    await policy({ conditions: { queueIds: [queue.id] }, firstResponseMinutes: 30, businessTime: false });
    const agent = await h.agent({ queueIds: [queue.id] });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    await assignCase(h.ctx.app.routingDeps, { caseId: c, actorId: agent.id, agentId: agent.id });
    now = new Date();
    await syncMarkedCases(d);
    const login = await h.ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: (await one(`SELECT email FROM agents WHERE id = $1`, [agent.id])).email, password: 'correct horse battery' } });
    const reply = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c}/messages`, headers: { authorization: `Bearer ${login.json().token}` }, payload: { text: 'On it' } });
    expect(reply.statusCode).toBeLessThan(300);
    await syncMarkedCases(d);
    now = new Date(Date.now() + 31 * 60_000);
    expect(await handleSlaTimer(d, { caseId: c, kind: 'due', metric: 'first_response' })).toBe('stale');
    expect((await one(`SELECT met_at FROM case_sla_clocks WHERE case_id = $1 AND metric = 'first_response'`, [c])).met_at).toBeInstanceOf(Date);
  });
});

describe('solved cases', () => {
  it('stops an unanswered response clock when the case is solved, so nothing fires later', async () => {
    const queue = await h.queue();
    await policy({ conditions: { queueIds: [queue.id] }, firstResponseMinutes: 10, businessTime: false });
    const agent = await h.agent({ queueIds: [queue.id] });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    await assignCase(h.ctx.app.routingDeps, { caseId: c, actorId: agent.id, agentId: agent.id });
    now = new Date();
    await syncMarkedCases(d);
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: c, status: 'solved', agentId: agent.id, resolutionNote: 'answered by phone' });
    await syncMarkedCases(d);
    expect(await one(`SELECT due_at, paused FROM case_sla_clocks WHERE case_id = $1 AND metric = 'first_response'`, [c])).toEqual({ due_at: null, paused: true });
    now = new Date(Date.now() + 60 * 60_000);
    // a later tick finds nothing more to fire for it
    await fireDueTimers(d);
    expect((await caseEvents(h.ctx.db.pool, c)).some((e) => e.type.startsWith('sla_'))).toBe(false);
  });
});

describe('timers that cannot be lost', () => {
  it('a timer lives in Postgres: after Redis lost all its data the running worker still fires it on time', async () => {
    const queue = await h.queue();
    await policy({ conditions: { queueIds: [queue.id] }, firstResponseMinutes: 10, businessTime: false });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    // ten minutes to answer, of which three seconds are left
    await q(`UPDATE cases SET created_at = now() - interval '10 minutes' + interval '3 seconds' WHERE id = $1`, [c]);
    const real: SlaDeps = { ...d, clock: undefined };
    const stop = startSlaWorker({ ...real, syncMs: 200 });
    try {
      await until(async () => (await one(`SELECT due_at FROM case_sla_clocks WHERE case_id = $1 AND metric = 'first_response'`, [c]))?.due_at, 'the clock computed');
      // Redis loses everything of this hub
      const keys = await h.ctx.redis.keys(`${h.ctx.config.queuePrefix}*`);
      if (keys.length) await h.ctx.redis.del(...keys);
      await until(async () => (await caseEvents(h.ctx.db.pool, c)).some((e) => e.type === 'sla_breach'), 'the breach fires', 15_000, 100);
      const breach = await one(`SELECT breached_at - due_at AS late FROM case_sla_clocks WHERE case_id = $1 AND metric = 'first_response'`, [c]);
      // on time: within a few ticks of its due time, never before it
      expect(breach.late.seconds ?? 0).toBeLessThan(5);
      expect(breach.late.seconds ?? 0).toBeGreaterThanOrEqual(0);
    } finally {
      await stop();
    }
  });

  it('fires a timer whose time passed while no worker ran', async () => {
    const queue = await h.queue();
    await policy({ conditions: { queueIds: [queue.id] }, firstResponseMinutes: 10, businessTime: false });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    now = new Date();
    await syncMarkedCases(d);
    await q(`DELETE FROM case_events WHERE case_id = $1 AND type IN ('sla_warning', 'sla_breach')`, [c]);
    now = new Date(Date.now() + 11 * 60_000);
    await fireDueTimers(d);
    expect((await caseEvents(h.ctx.db.pool, c)).map((e) => e.type).filter((t) => t.startsWith('sla_'))).toEqual(['sla_warning', 'sla_breach']);
  });
});

describe('reminders', () => {
  it('brings a pending case back at its date: open, its agent told, first in My cases', async () => {
    const queue = await h.queue();
    const agent = await h.agent({ queueIds: [queue.id] });
    const older = await h.inbound({ channel: 'email', queueId: queue.id });
    const c = await h.inbound({ channel: 'email', queueId: queue.id });
    for (const id of [older, c]) await assignCase(h.ctx.app.routingDeps, { caseId: id, actorId: agent.id, agentId: agent.id });
    const when = new Date(Date.now() + 2 * 3_600_000);
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: c, status: 'pending', agentId: agent.id, pendingUntil: when });
    now = new Date();
    await syncMarkedCases(d);
    const remindersAt = async (at: Date) => (await dueTimers(h.ctx.db.pool, at, 100_000)).filter((t) => t.caseId === c && t.kind === 'reminder').length;
    expect(await remindersAt(new Date(when.getTime() - 1000))).toBe(0);
    expect(await remindersAt(when)).toBe(1);

    now = new Date(when.getTime() - 60_000);
    expect(await handleSlaTimer(d, { caseId: c, kind: 'reminder', metric: null })).toBe('not-due');
    now = when;
    expect(await handleSlaTimer(d, { caseId: c, kind: 'reminder', metric: null })).toBe('fired');
    expect(await one(`SELECT status, pending_until, assignee_id FROM cases WHERE id = $1`, [c])).toMatchObject({ status: 'open', pending_until: null, assignee_id: agent.id });
    expect((await caseEvents(h.ctx.db.pool, c)).some((e) => e.type === 'reminder_due')).toBe(true);
    await until(() => alerts(agent, c).find((a) => a.kind === 'reminder_due'), 'the agent is told');
    const mine = await listMyCases(h.ctx.db.pool, agent.id);
    expect(mine[0]!.id).toBe(c);
  });

  it('is cancelled by the customer writing first', async () => {
    const queue = await h.queue();
    const agent = await h.agent({ queueIds: [queue.id] });
    const customer = `cust-reminder-${Date.now()}`;
    const c = await h.inbound({ channel: 'email', queueId: queue.id, customer });
    await assignCase(h.ctx.app.routingDeps, { caseId: c, actorId: agent.id, agentId: agent.id });
    const when = new Date(Date.now() + 3_600_000);
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: c, status: 'pending', agentId: agent.id, pendingUntil: when });
    // the customer answers before the date: the case is open again and the reminder has nothing to do
    const res = await ingest(h.ctx.app.ingestDeps, { channel: 'email', provider: 'test', providerMessageId: `r-${Date.now()}`, from: { kind: 'api', value: customer }, text: 'here is the info', raw: {} });
    expect(res.caseId).toBe(c);
    expect(await one(`SELECT status, pending_until FROM cases WHERE id = $1`, [c])).toMatchObject({ status: 'open', pending_until: null });
    now = when;
    expect(await handleSlaTimer(d, { caseId: c, kind: 'reminder', metric: null })).toBe('stale');
    expect((await caseEvents(h.ctx.db.pool, c)).some((e) => e.type === 'reminder_due')).toBe(false);
  });
});
