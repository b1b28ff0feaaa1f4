import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { notifyAgents } from '../../server/src/notifications/agent-notices.js';
import type { Notification } from '../../server/src/contracts/views.js';

let ctx: TestContext;
let base: string;
const sockets: Socket[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
  base = await listenLocally(ctx);
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await ctx.close();
});

async function signIn(role: 'agent' | 'supervisor' = 'agent', queueIds: number[] = []) {
  const a = await makeAgent(ctx.db.pool, { role, queueIds, presence: 'available' });
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  return { agent: a, token: r.json().token as string };
}
function open(token: string): Promise<Socket> {
  const s = connect(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.on('connect', () => resolve(s));
    s.on('connect_error', (e) => reject(e));
  });
}
const api = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
let n = 0;
async function newCase(queueId: number) {
  n++;
  const r = await ingest(ctx.app.ingestDeps, {
    channel: 'api', provider: 'test', providerMessageId: `agent-notices-${n}-${Date.now()}`, from: { kind: 'email', value: `c${n}@example.test` },
    subject: `Case ${n}`, text: 'hello', raw: {}, caseDefaults: { queueId },
  });
  return r;
}

describe('agent notifications', () => {
  it('a supervisor reassigning a case: the new and the previous agent each get a stored notice live on /agent, listed again after a reload, read marks stick', async () => {
    const q = await makeQueue(ctx.db.pool);
    const sup = await signIn('supervisor');
    const first = await signIn('agent', [q.id]);
    const second = await signIn('agent', [q.id]);
    const c = await newCase(q.id);
    expect((await api(sup.token, 'POST', `/api/v1/supervisor/cases/${c.caseId}/assign`, { agentId: first.agent.id })).statusCode).toBe(200);

    const s1 = await open(first.token);
    const s2 = await open(second.token);
    const live1 = new Promise<Notification>((resolve) => s1.on('notification', resolve));
    const live2 = new Promise<Notification>((resolve) => s2.on('notification', resolve));
    expect((await api(sup.token, 'POST', `/api/v1/supervisor/cases/${c.caseId}/assign`, { agentId: second.agent.id })).statusCode).toBe(200);

    const toNew = await live2;
    expect(toNew).toMatchObject({ kind: 'reassigned', caseId: c.caseId, caseNumber: c.caseNumber, agentId: second.agent.id, data: { role: 'assignee', previousAgentId: first.agent.id } });
    expect(toNew.actorName).toBeTruthy();
    const fromOld = await live1;
    expect(fromOld).toMatchObject({ kind: 'reassigned', caseId: c.caseId, agentId: first.agent.id, data: { role: 'previous', toAgentId: second.agent.id } });

    // a reload lists it (unread), and a read mark survives the next reload
    const listed = (await api(second.token, 'GET', '/api/v1/notifications')).json().items as Notification[];
    expect(listed[0]).toMatchObject({ id: toNew.id, kind: 'reassigned', readAt: null });
    await api(second.token, 'POST', `/api/v1/notifications/${toNew.id}/read`);
    const again = (await api(second.token, 'GET', '/api/v1/notifications')).json().items as Notification[];
    expect(again.find((x) => x.id === toNew.id)!.readAt).not.toBeNull();
    // the supervisor who did it is not told about their own action
    expect((await api(sup.token, 'GET', '/api/v1/notifications')).json().items).toEqual([]);
  });

  it('respects each agent\'s preferences: a kind turned off on My profile is neither stored nor pushed', async () => {
    const q = await makeQueue(ctx.db.pool);
    const sup = await signIn('supervisor');
    const quiet = await signIn('agent', [q.id]);
    const saved = await api(quiet.token, 'PATCH', '/api/v1/auth/profile', { notificationPrefs: { kinds: { reassigned: false }, browser: true } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().notificationPrefs).toEqual({ kinds: { reassigned: false }, browser: true });
    const s = await open(quiet.token);
    const got: Notification[] = [];
    s.on('notification', (x: Notification) => got.push(x));

    const c = await newCase(q.id);
    expect((await api(sup.token, 'POST', `/api/v1/supervisor/cases/${c.caseId}/assign`, { agentId: quiet.agent.id })).statusCode).toBe(200);
    // other kinds still arrive (through the one function SLA timers, reminders and rules use)
    await notifyAgents({ db: ctx.db.pool, realtime: ctx.app.realtime, log: ctx.app.log }, { kind: 'sla_warning', to: { agentIds: [quiet.agent.id] }, caseId: c.caseId, data: { dueAt: '2026-12-01T10:00:00Z' } });
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toMatchObject({ kind: 'sla_warning', caseId: c.caseId, data: { dueAt: '2026-12-01T10:00:00Z' } });
    const listed = (await api(quiet.token, 'GET', '/api/v1/notifications')).json().items as Notification[];
    expect(listed.map((x) => x.kind)).toEqual(['sla_warning']);
  });

  it('notifyAgents with supervisors: every active supervisor and admin, once each, not the actor', async () => {
    const a = await signIn('supervisor');
    const b = await signIn('supervisor');
    const stored = await notifyAgents({ db: ctx.db.pool }, { kind: 'rule', to: { agentIds: [a.agent.id], supervisors: true }, actorAgentId: b.agent.id, text: 'Complaint from a VIP customer', data: { ruleName: 'complaint → notify supervisor' } });
    const mine = stored.filter((x) => x.agentId === a.agent.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'rule', caseId: null, text: 'Complaint from a VIP customer', actorName: expect.any(String) });
    expect(stored.some((x) => x.agentId === b.agent.id)).toBe(false);
  });
});
