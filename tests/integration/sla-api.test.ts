import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { assignCase } from '../../server/src/lifecycle/transfer.js';
import { handleSlaTimer, syncMarkedCases, type SlaDeps } from '../../workers/src/processors/sla-timers.js';

let ctx: TestContext;
let admin: string;
let supervisor: string;
let agentToken: string;
let agentId: number;
let queueId: number;
let now = new Date();
let d: SlaDeps;

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: object) =>
  ctx.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, payload });
const login = async (email: string, password: string) => (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })).json().token as string;
let n = 0;
const newCase = async () =>
  (await ingest(ctx.app.ingestDeps, { channel: 'email', provider: 'test', providerMessageId: `sla-api-${++n}`, from: { kind: 'api', value: `c${n}@example.test` }, subject: `case ${n}`, text: 'hi', raw: {}, caseDefaults: { queueId }, threading: { forceNewCase: true } })).caseId;

beforeAll(async () => {
  ctx = await createTestContext();
  d = { db: ctx.db.pool, queues: ctx.app.queues, log: pino({ level: 'silent' }), clock: () => now };
  const a = await makeAgent(ctx.db.pool, { role: 'admin' });
  const s = await makeAgent(ctx.db.pool, { role: 'supervisor' });
  queueId = (await makeQueue(ctx.db.pool, { name: 'billing' })).id;
  const g = await makeAgent(ctx.db.pool, { queueIds: [queueId], name: 'Sam' });
  agentId = g.id;
  admin = await login(a.email, a.password);
  supervisor = await login(s.email, s.password);
  agentToken = await login(g.email, g.password);
});
afterAll(async () => {
  await ctx?.close();
});

describe('SLA policies API', () => {
  it('lets an admin add, change and remove policies, refusing what cannot work', async () => {
    const none = await call('POST', '/admin/sla-policies', admin, { name: 'empty' });
    expect(none.statusCode).toBe(400);
    expect(none.json().details).toEqual([{ field: 'firstResponseMinutes', reason: 'a policy needs at least one target' }]);
    const unknown = await call('POST', '/admin/sla-policies', admin, { name: 'x', firstResponseMinutes: 10, conditions: { queueIds: [987654] } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details[0].field).toBe('conditions.queueIds');

    const created = await call('POST', '/admin/sla-policies', admin, {
      name: 'Billing email', position: 1, conditions: { queueIds: [queueId], channels: ['email'] }, firstResponseMinutes: 60, resolutionMinutes: 480,
      businessTime: false, escalation: { raisePriority: true, notifySupervisors: true },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Billing email', warnPercent: 80, enabled: true, businessTime: false });
    // supervisors read, only admins change
    expect((await call('GET', '/admin/sla-policies', supervisor)).json().map((p: { name: string }) => p.name)).toEqual(['Billing email']);
    expect((await call('POST', '/admin/sla-policies', supervisor, { name: 'y', firstResponseMinutes: 5 })).statusCode).toBe(403);
    const changed = await call('PUT', `/admin/sla-policies/${created.json().id}`, admin, { ...created.json(), id: undefined, updatedAt: undefined, warnPercent: 50 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().warnPercent).toBe(50);
    const temp = await call('POST', '/admin/sla-policies', admin, { name: 'temp', firstResponseMinutes: 5 });
    expect((await call('DELETE', `/admin/sla-policies/${temp.json().id}`, admin)).statusCode).toBe(204);
    expect((await call('DELETE', `/admin/sla-policies/${temp.json().id}`, admin)).statusCode).toBe(404);
  });

  it('accepts night shifts and holiday ranges in business hours, and refuses overlaps across midnight', async () => {
    const ok = await call('PUT', '/admin/business-hours', admin, {
      queueId, timeZone: 'Asia/Tehran', weekly: { sat: [['08:00', '12:00'], ['22:00', '02:00']], sun: [['08:00', '16:00']] },
      holidays: [{ date: '2027-03-21', to: '2027-03-24', yearly: true, calendar: 'persian', name: 'Nowruz' }],
    });
    expect(ok.statusCode).toBe(200);
    const bad = await call('PUT', '/admin/business-hours', admin, { queueId, timeZone: 'Asia/Tehran', weekly: { sat: [['22:00', '02:00']], sun: [['01:00', '05:00']] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0]).toMatchObject({ field: 'weekly.sat' });
    await call('DELETE', `/admin/business-hours/${ok.json().id}`, admin);
  });
});

describe('case clocks, snooze and the SLA report', () => {
  it('shows a case its clocks and snoozes it', async () => {
    const c = await newCase();
    await assignCase(ctx.app.routingDeps, { caseId: c, actorId: agentId, agentId });
    now = new Date();
    await syncMarkedCases(d);
    const sla = await call('GET', `/cases/${c}/sla`, agentToken);
    expect(sla.statusCode).toBe(200);
    const fr = sla.json().clocks.find((k: { metric: string }) => k.metric === 'first_response');
    expect(fr).toMatchObject({ policyName: 'Billing email', targetMinutes: 60, businessTime: false, metAt: null });
    expect(fr.businessMinutesLeft).toBeGreaterThan(59);
    expect(fr.businessMinutesLeft).toBeLessThanOrEqual(60);

    expect((await call('POST', `/cases/${c}/snooze`, agentToken, {})).statusCode).toBe(400);
    const snoozed = await call('POST', `/cases/${c}/snooze`, agentToken, { minutes: 90 });
    expect(snoozed.statusCode).toBe(200);
    expect(snoozed.json().case.status).toBe('pending');
    expect(new Date(snoozed.json().case.pendingUntil).getTime()).toBeGreaterThan(Date.now() + 89 * 60_000);
    await syncMarkedCases(d);
    // pending on the customer: the resolution clock stands still
    const res = (await call('GET', `/cases/${c}/sla`, agentToken)).json().clocks.find((k: { metric: string }) => k.metric === 'resolution');
    expect(res).toMatchObject({ paused: true, dueAt: null });
  });

  it('reports SLA met % per policy, queue and agent, and lists the breached cases', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const late = await newCase();
    const onTime = await newCase();
    for (const c of [late, onTime]) await assignCase(ctx.app.routingDeps, { caseId: c, actorId: agentId, agentId });
    now = new Date();
    await syncMarkedCases(d);
    // one answered at once, one breached
    const reply = await call('POST', `/cases/${onTime}/messages`, agentToken, { text: 'Hello' });
    expect(reply.statusCode).toBeLessThan(300);
    await syncMarkedCases(d);
    now = new Date(Date.now() + 61 * 60_000);
    expect(await handleSlaTimer(d, { caseId: late, kind: 'due', metric: 'first_response' })).toBe('fired');

    const byPolicy = (await call('GET', `/kpi/sla?from=${from}&to=${to}&by=policy`, supervisor)).json().rows;
    expect(byPolicy.find((r: { metric: string }) => r.metric === 'first_response')).toMatchObject({ name: 'Billing email', met: 1, breached: 1, total: 2, metShare: 0.5 });
    const byAgent = (await call('GET', `/kpi/sla?from=${from}&to=${to}&by=agent`, supervisor)).json().rows;
    expect(byAgent.find((r: { metric: string }) => r.metric === 'first_response')).toMatchObject({ id: agentId, name: 'Sam', breached: 1 });
    const byQueue = (await call('GET', `/kpi/sla?from=${from}&to=${to}&by=queue`, supervisor)).json().rows;
    expect(byQueue.find((r: { metric: string }) => r.metric === 'first_response')).toMatchObject({ id: queueId, name: 'billing' });

    const breaches = (await call('GET', `/kpi/sla/breaches?from=${from}&to=${to}`, supervisor)).json().cases;
    expect(breaches.map((b: { caseId: number; metric: string }) => [b.caseId, b.metric])).toEqual([[late, 'first_response']]);
    expect(breaches[0]).toMatchObject({ policyName: 'Billing email', queueName: 'billing', assigneeName: 'Sam', priority: 'high' });
    expect((await call('GET', `/kpi/sla?from=${from}&to=${to}`, agentToken)).statusCode).toBe(403);
  });
});
