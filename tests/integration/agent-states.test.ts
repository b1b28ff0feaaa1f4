import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementsDuring, type SeenStatement } from '../helpers/statements.js';
import { createHarness, until, caseEvents, type AgentClient, type Harness } from '../helpers/routing-harness.js';
import { makeAgent } from '../helpers/factories.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import { callEnded } from '../../server/src/channels/voice/lifecycle.js';
import { endOverdueWrapUps } from '../../server/src/lifecycle/wrap-up.js';
import { getCaseView } from '../../server/src/cases/case-view.js';
import type { CaseUpdatedPayload, PresencePayload, SimpleAck } from '../../server/src/contracts/realtime.js';

// Agent states: after-call work (wrap-up) after a call or chat ends, break reasons under Away, dispositions.
let h: Harness;
let adminToken: string;
beforeAll(async () => {
  h = await createHarness();
  const admin = await makeAgent(h.ctx.db.pool, { role: 'admin' });
  adminToken = (await h.ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
});
afterAll(async () => {
  await h?.close();
});

const db = () => h.ctx.db.pool;
const presenceOf = async (agentId: number) => (await db().query(`SELECT presence, wrap_up_case_id, wrap_up_until FROM agents WHERE id = $1`, [agentId])).rows[0];
const presenceLog = async (agentId: number) =>
  (await db().query(`SELECT presence, reason, break_reason_id, case_id FROM agent_presence_log WHERE agent_id = $1 ORDER BY id`, [agentId])).rows as {
    presence: string;
    reason: string;
    break_reason_id: number | null;
    case_id: number | null;
  }[];
const api = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
  h.ctx.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
async function queueWithWrapUp(seconds: number, o: { dispositionRequired?: boolean } = {}) {
  const q = await h.queue();
  await db().query(`UPDATE queues SET wrap_up_seconds = $2, disposition_required = $3 WHERE id = $1`, [q.id, seconds, o.dispositionRequired ?? false]);
  return q;
}
/** An agent who took a case of the channel from the queue. */
async function holding(queueId: number, channel: 'chat' | 'voice' | 'email'): Promise<{ agent: AgentClient; caseId: number }> {
  const agent = await h.agent({ queueIds: [queueId], available: true });
  const caseId = await h.inbound({ channel, queueId });
  const o = await agent.nextOffer((x) => x.case.id === caseId);
  expect((await agent.accept(o.offerId)).ok).toBe(true);
  return { agent, caseId };
}
/** Runs a match pass to its end: whatever it could offer has been offered. */
async function settledPass() {
  h.routers[0]!.requestPass();
  await h.routers[0]!.idle();
}

describe('wrap-up (after-call work)', () => {
  it('a chat that ends puts its agent in wrap-up: no offers until they click Ready, and the time counts for the case', async () => {
    const q = await queueWithWrapUp(120);
    const { agent, caseId } = await holding(q.id, 'chat');
    // the visitor ends the chat
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId: null, resolutionNote: 'chat ended by the visitor' });
    const state = await presenceOf(agent.id);
    expect(state).toMatchObject({ presence: 'wrap_up', wrap_up_case_id: caseId });
    expect(state.wrap_up_until.getTime() - Date.now()).toBeGreaterThan(100_000);
    const pushed = await until(() => agent.presence.find((p) => p.presence === 'wrap_up'), 'the wrap-up pushed to the agent');
    expect(Date.parse(pushed.wrapUpUntil!)).toBe(state.wrap_up_until.getTime());
    // the supervisors' live view shows the wrap-up and when it ends
    const live = (await api(adminToken, 'GET', '/api/v1/supervisor/stats')).json();
    expect(live.agents.find((a: { agentId: number }) => a.agentId === agent.id)).toMatchObject({ presence: 'wrap_up', wrapUpUntil: pushed.wrapUpUntil });

    // a new chat in the queue is not offered while the agent wraps up
    const next = await h.inbound({ channel: 'chat', queueId: q.id });
    await settledPass();
    expect(agent.open().filter((o) => o.case.id === next)).toHaveLength(0);
    expect((await db().query(`SELECT routing_state FROM cases WHERE id = $1`, [next])).rows[0].routing_state).toBe('waiting');

    // "Ready": Available again, and the waiting chat comes at once
    const ack = (await agent.socket.timeout(5000).emitWithAck('presence:set', { presence: 'available' })) as SimpleAck & { presence?: PresencePayload };
    expect(ack).toMatchObject({ ok: true, presence: { presence: 'available', wrapUpUntil: null } });
    expect((await agent.nextOffer((o) => o.case.id === next)).case.id).toBe(next);

    const wrap = (await caseEvents(db(), caseId)).filter((e) => e.type === 'wrap_up');
    expect(wrap).toHaveLength(1);
    expect(wrap[0]).toMatchObject({ agent_id: agent.id, data: { endedBy: 'agent' } });
    expect(Number(wrap[0]!.data.seconds)).toBeGreaterThanOrEqual(0);
    const facts = (await db().query(`SELECT wrap_up_seconds FROM case_facts WHERE case_id = $1`, [caseId])).rows[0];
    expect(Number(facts.wrap_up_seconds)).toBeCloseTo(Number(wrap[0]!.data.seconds), 3);
    expect((await presenceLog(agent.id)).slice(-2)).toEqual([
      { presence: 'wrap_up', reason: 'case_ended', break_reason_id: null, case_id: caseId },
      { presence: 'available', reason: 'agent', break_reason_id: null, case_id: null },
    ]);
    await agent.setPresence('offline');
  });

  it('an agent solving a chat wraps up too; the wrap-up ends by itself when its time is up', async () => {
    const q = await queueWithWrapUp(1);
    const { agent, caseId } = await holding(q.id, 'chat');
    const solved = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'solved', resolutionNote: 'answered' });
    expect(solved.statusCode, solved.body).toBe(200);
    expect((await presenceOf(agent.id)).presence).toBe('wrap_up');
    await until(async () => (await presenceOf(agent.id)).presence === 'available', 'the wrap-up timer to end', 8000);
    expect((await presenceLog(agent.id)).slice(-2).map((r) => [r.presence, r.reason])).toEqual([
      ['wrap_up', 'case_ended'],
      ['available', 'wrap_up_ended'],
    ]);
    // once per case: closing it later does not start a second wrap-up
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'closed', agentId: agent.id });
    expect((await presenceOf(agent.id)).presence).toBe('available');
    await agent.setPresence('offline');
  });

  it("the routers' sweep ends a wrap-up whose timer was lost", async () => {
    const q = await queueWithWrapUp(120);
    const { agent, caseId } = await holding(q.id, 'chat');
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId: null });
    expect((await presenceOf(agent.id)).presence).toBe('wrap_up');
    expect(await endOverdueWrapUps(h.ctx.app.routingDeps)).toBe(0);
    // as if the time had passed while Redis lost the timer job
    await db().query(`UPDATE agents SET wrap_up_until = now() - interval '1 second' WHERE id = $1`, [agent.id]);
    expect(await endOverdueWrapUps(h.ctx.app.routingDeps)).toBe(1);
    expect((await presenceLog(agent.id)).at(-1)).toMatchObject({ presence: 'available', reason: 'wrap_up_ended' });
    await agent.setPresence('offline');
  });

  it('a voice call that ends puts its agent in wrap-up', async () => {
    const q = await queueWithWrapUp(90);
    const { agent, caseId } = await holding(q.id, 'voice');
    const inter = (await db().query(`SELECT id FROM interactions WHERE case_id = $1 ORDER BY id LIMIT 1`, [caseId])).rows[0].id;
    const call = await db().query(
      `INSERT INTO calls (call_sid, direction, case_id, interaction_id, customer_number, queue_id, agent_id, state, answered_at)
       VALUES ($1, 'inbound', $2, $3, '+15550001111', $4, $5, 'in_progress', now() - interval '2 minutes') RETURNING id`,
      [`CA-wrap-${caseId}`, caseId, inter, q.id, agent.id],
    );
    await callEnded(h.ctx.app.routingDeps, call.rows[0].id, 'completed', 130);
    expect(await presenceOf(agent.id)).toMatchObject({ presence: 'wrap_up', wrap_up_case_id: caseId });
    // solving the call's case during its wrap-up does not restart it
    const until0 = (await presenceOf(agent.id)).wrap_up_until.getTime();
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId: agent.id, resolutionNote: 'done' });
    expect((await presenceOf(agent.id)).wrap_up_until.getTime()).toBe(until0);
    await agent.setPresence('offline');
    expect((await caseEvents(db(), caseId)).filter((e) => e.type === 'wrap_up')).toHaveLength(1);
  });

  it('a queue with no wrap-up time, or an agent who is Away, gets none', async () => {
    const q = await queueWithWrapUp(0);
    const { agent, caseId } = await holding(q.id, 'chat');
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId: null });
    expect((await presenceOf(agent.id)).presence).toBe('available');
    const q2 = await queueWithWrapUp(60);
    const b = await holding(q2.id, 'chat');
    await b.agent.setPresence('away');
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: b.caseId, status: 'solved', agentId: null });
    expect((await presenceOf(b.agent.id)).presence).toBe('away');
    await agent.setPresence('offline');
    await b.agent.setPresence('offline');
  });
});

describe('break reasons', () => {
  it('Away with a break reason is in the presence log; unknown or retired reasons are refused', async () => {
    const made = await api(adminToken, 'POST', '/api/v1/admin/break-reasons', { nameEn: 'Training', nameFa: 'آموزش' });
    expect(made.statusCode, made.body).toBe(201);
    const training = made.json().id as number;
    const agent = await h.agent({ available: true });
    const ack = (await agent.socket.timeout(5000).emitWithAck('presence:set', { presence: 'away', breakReasonId: training })) as SimpleAck & { presence?: PresencePayload };
    expect(ack).toMatchObject({ ok: true, presence: { presence: 'away', breakReasonId: training } });
    expect((await presenceLog(agent.id)).at(-1)).toMatchObject({ presence: 'away', reason: 'agent', break_reason_id: training });
    const live = (await api(adminToken, 'GET', '/api/v1/supervisor/stats')).json();
    expect(live.agents.find((a: { agentId: number }) => a.agentId === agent.id)).toMatchObject({ presence: 'away', breakReasonId: training });
    expect((await api(agent.token, 'GET', '/api/v1/break-reasons')).json().map((r: { id: number }) => r.id)).toContain(training);

    expect((await api(agent.token, 'PATCH', `/api/v1/admin/break-reasons/${training}`, { active: false })).statusCode).toBe(403);
    expect((await api(adminToken, 'PATCH', `/api/v1/admin/break-reasons/${training}`, { active: false })).statusCode).toBe(200);
    const refused = await api(agent.token, 'PUT', '/api/v1/agents/me/presence', { presence: 'away', breakReasonId: training });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/break reason/);
    const plain = await api(agent.token, 'PUT', '/api/v1/agents/me/presence', { presence: 'available' });
    expect(plain.json()).toMatchObject({ presence: 'available', breakReasonId: null });
    await agent.setPresence('offline');
  });
});

describe('dispositions', () => {
  it('a queue that requires one refuses a solve without it (422 with the reason), then accepts it with one', async () => {
    const q = await queueWithWrapUp(0, { dispositionRequired: true });
    const other = await h.queue();
    const own = await api(adminToken, 'POST', '/api/v1/admin/dispositions', { code: 'sale', labelEn: 'Sale', labelFa: 'فروش', queueId: q.id });
    expect(own.statusCode, own.body).toBe(201);
    const elsewhere = (await api(adminToken, 'POST', '/api/v1/admin/dispositions', { code: 'sale', labelEn: 'Sale', labelFa: 'فروش', queueId: other.id })).json();
    expect((await api(adminToken, 'POST', '/api/v1/admin/dispositions', { code: 'sale', labelEn: 'Again', labelFa: 'دوباره', queueId: q.id })).statusCode).toBe(409);

    const { agent, caseId } = await holding(q.id, 'email');
    const view = (await api(agent.token, 'GET', `/api/v1/cases/${caseId}/disposition`)).json();
    expect(view).toMatchObject({ dispositionId: null, required: true });
    expect(view.options.map((d: { id: number }) => d.id)).toContain(own.json().id);
    expect(view.options.map((d: { id: number }) => d.id)).not.toContain(elsewhere.id);

    const refused = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'solved', resolutionNote: 'sold' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().message).toMatch(/disposition/);
    expect((await db().query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status).toBe('open');

    expect((await api(agent.token, 'PUT', `/api/v1/cases/${caseId}/disposition`, { dispositionId: elsewhere.id })).statusCode).toBe(400);
    const set = await api(agent.token, 'PUT', `/api/v1/cases/${caseId}/disposition`, { dispositionId: own.json().id });
    expect(set.json()).toMatchObject({ dispositionId: own.json().id, required: true });
    const solved = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'solved', resolutionNote: 'sold' });
    expect(solved.statusCode, solved.body).toBe(200);
    expect((await db().query(`SELECT status, disposition_id FROM cases WHERE id = $1`, [caseId])).rows[0]).toEqual({ status: 'solved', disposition_id: own.json().id });
    await agent.setPresence('offline');
  });

  it('system changes (a visitor ending the chat, automations) are not held back by a missing disposition', async () => {
    const q = await queueWithWrapUp(0, { dispositionRequired: true });
    const { agent, caseId } = await holding(q.id, 'chat');
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId: null, resolutionNote: 'chat ended by the visitor' });
    expect((await db().query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status).toBe('solved');
    await agent.setPresence('offline');
  });
});

describe('the cost of a solve', () => {
  /** Statements that name the case (its id a parameter of a statement on cases). */
  const onCase = (seen: SeenStatement[], caseId: number) => seen.filter((x) => x.values.includes(caseId) && /\bcases\b/.test(x.text));
  const caseUpdated = (agent: AgentClient, caseId: number, event: string) =>
    until(() => agent.events.find((e) => e.event === 'case:updated' && (e.payload as CaseUpdatedPayload).caseId === caseId && (e.payload as CaseUpdatedPayload).event === event), `case:updated ${event}`);

  it("an agent solving a chat of a queue without wrap-up: one locking read and one write in the transaction, no read after it; case:updated tells the solved case", async () => {
    const q = await queueWithWrapUp(0);
    const { agent, caseId } = await holding(q.id, 'chat');
    // the assignment's own case:updated (read after the accept answered) is not counted
    await caseUpdated(agent, caseId, 'assigned');
    const seen = await statementsDuring(() => changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId: agent.id, resolutionNote: 'answered' }));
    const lock = seen.findIndex((s) => /FOR UPDATE/.test(s.text) && s.values[0] === caseId);
    expect(lock).toBeGreaterThan(0);
    const tx = seen.filter((s) => s.client === seen[lock]!.client);
    const begin = tx.lastIndexOf(tx.find((s, i) => s.text === 'BEGIN' && tx[i + 1] === seen[lock])!);
    const commit = tx.findIndex((s, i) => i > begin && s.text === 'COMMIT');
    const inTx = tx.slice(begin, commit + 1).map((s) => s.text);
    expect(inTx).toHaveLength(4);
    expect(inTx[2]).toMatch(/UPDATE cases[\s\S]*INSERT INTO case_events[\s\S]*INSERT INTO case_notices/);
    // neither the wrap-up (none on this queue) nor case:updated reads the case again
    expect(onCase(seen.slice(seen.indexOf(tx[commit]!) + 1), caseId).map((s) => s.text)).toEqual([]);

    const updated = await caseUpdated(agent, caseId, 'status:solved');
    const row = (await db().query(`SELECT priority FROM cases WHERE id = $1`, [caseId])).rows[0];
    expect(updated.payload).toEqual({ caseId, status: 'solved', priority: row.priority, assigneeId: agent.id, routingState: 'none', queueId: q.id, event: 'status:solved' });
    const owed = (await db().query(`SELECT event FROM case_notices WHERE case_id = $1 AND event IN ('solved', 'csat') ORDER BY event`, [caseId])).rows;
    expect(owed.map((r) => r.event)).toEqual(['csat', 'solved']);
    expect((await caseEvents(db(), caseId)).slice(-2).map((e) => e.type)).toEqual(['status_changed', 'solved']);
    expect((await presenceOf(agent.id)).presence).toBe('available');
    await agent.setPresence('offline');
  });

  it('the status route answers with the case as the change left it, read by the change itself', async () => {
    const q = await queueWithWrapUp(0);
    const { agent, caseId } = await holding(q.id, 'email');
    await caseUpdated(agent, caseId, 'assigned');
    let pending!: Awaited<ReturnType<typeof api>>;
    const seenPending = await statementsDuring(async () => {
      pending = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'pending', pendingUntil: new Date(Date.now() + 3_600_000).toISOString() });
    });
    expect(pending.statusCode, pending.body).toBe(200);
    expect(pending.json()).toEqual({ from: 'open', to: 'pending', case: JSON.parse(JSON.stringify(await getCaseView(db(), caseId, agent.id))) });
    let solved!: Awaited<ReturnType<typeof api>>;
    const seenSolved = await statementsDuring(async () => {
      solved = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'solved', resolutionNote: 'answered' });
    });
    expect(solved.statusCode, solved.body).toBe(200);
    const view = JSON.parse(JSON.stringify(await getCaseView(db(), caseId, agent.id)));
    expect(solved.json()).toEqual({ from: 'pending', to: 'solved', case: view });
    expect(view).toMatchObject({ status: 'solved', routingState: 'none', assigneeId: agent.id, resolutionNote: 'answered' });
    // pending: the access check, the locking read and the change (its events, notices and the answer's view);
    // a solve: the access check and one statement that locks, checks, changes and reads the view (no transaction)
    expect([seenPending, seenSolved].map((seen) => onCase(seen, caseId).length)).toEqual([3, 2]);
    // what that statement records is what the general path records: both events, in order, and the customer's notices
    expect((await caseEvents(db(), caseId)).slice(-2)).toEqual([
      { type: 'status_changed', agent_id: agent.id, data: { from: 'pending', to: 'solved', by: agent.id } },
      { type: 'solved', agent_id: agent.id, data: { assigneeId: agent.id, note: 'answered' } },
    ]);
    const owed = await db().query(`SELECT event FROM case_notices WHERE case_id = $1 AND event IN ('solved', 'csat') ORDER BY event`, [caseId]);
    expect(owed.rows.map((r) => r.event)).toEqual(['csat', 'solved']);
    // a status already so is answered from a fresh read, as before
    const again = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'solved', resolutionNote: 'answered' });
    expect(again.json()).toEqual({ from: 'solved', to: 'solved', case: view });
    await agent.setPresence('offline');
  });

  it('a solve refused for a missing disposition writes nothing and starts no wrap-up', async () => {
    const q = await queueWithWrapUp(60, { dispositionRequired: true });
    const { agent, caseId } = await holding(q.id, 'chat');
    const events = (await caseEvents(db(), caseId)).length;
    const notices = async () => (await db().query(`SELECT count(*)::int AS n FROM case_notices WHERE case_id = $1`, [caseId])).rows[0].n;
    const owedBefore = await notices();
    const refused = await api(agent.token, 'POST', `/api/v1/cases/${caseId}/status`, { status: 'solved', resolutionNote: 'sold' });
    expect(refused.statusCode).toBe(422);
    expect((await db().query(`SELECT status, routing_state FROM cases WHERE id = $1`, [caseId])).rows[0]).toEqual({ status: 'open', routing_state: 'assigned' });
    expect(await caseEvents(db(), caseId)).toHaveLength(events);
    expect(await notices()).toBe(owedBefore);
    expect((await presenceOf(agent.id)).presence).toBe('available');
    await agent.setPresence('offline');
  });
});
