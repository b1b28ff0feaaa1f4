/**
 * Supervisor and agent actions on who holds a case:
 * - `assignCase`: give a case (usually a waiting one) to a named agent, bypassing the queue order
 *   but not the agent's capacity (409 when full). A pending offer elsewhere is withdrawn.
 * - `transferCase`: to an agent (assigned at once, same capacity rule) or to a queue (back to
 *   waiting in that queue, keeping its original place in line).
 * - `unassignCase`: the case goes back to waiting, keeping its place.
 * Permission checks are the caller's (routes); these functions validate state and throw HttpError.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent, withCause, type CaseEventCause } from '../db/case-events.js';
import { audit } from '../audit/audit-log.js';
import { badRequest, conflict, notFound } from '../lib/errors.js';
import { assignInTx, lockAgent, lockCase } from './assignment.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { rescindCaseOfferInTx, requeueInTx } from './rescind.js';
import { agentLoad, hasRoom } from '../routing/load.js';
import type { RoutingDeps } from './deps.js';

export interface AssignArgs {
  caseId: number;
  /** null: the hub itself (an automation rule named in `cause`, an SLA escalation) */
  actorId: number | null;
  agentId: number;
  cause?: CaseEventCause;
}

export interface TransferArgs {
  caseId: number;
  /** null: the hub itself (an automation rule named in `cause`, an SLA escalation) */
  actorId: number | null;
  cause?: CaseEventCause;
  toAgentId?: number;
  toQueueId?: number;
}

export interface HolderResult {
  caseId: number;
  assigneeId: number | null;
  queueId: number | null;
  routingState: string;
}

async function currentAssignee(tx: Tx, caseId: number): Promise<number | null> {
  const r = await tx.query(`SELECT assignee_id FROM cases WHERE id = $1`, [caseId]);
  if (!r.rowCount) throw notFound('case');
  return r.rows[0].assignee_id;
}

/** Locks agents (ascending ids) before the case, matching the router's lock order. */
async function lockAgentsThenCase(tx: Tx, caseId: number, agentIds: (number | null)[]) {
  const ids = [...new Set(agentIds.filter((x): x is number => x != null))].sort((a, b) => a - b);
  for (const id of ids) await lockAgent(tx, id);
  const c = await lockCase(tx, caseId);
  if (!c) throw notFound('case');
  return c;
}

async function result(tx: Tx, caseId: number): Promise<HolderResult> {
  const r = await tx.query(`SELECT id, assignee_id, queue_id, routing_state FROM cases WHERE id = $1`, [caseId]);
  const c = r.rows[0];
  return { caseId: c.id, assigneeId: c.assignee_id, queueId: c.queue_id, routingState: c.routing_state };
}

/** `audit: false`: the caller writes one audit entry for a whole set of changes (case-actions.ts). */
export async function assignToAgentInTx(tx: Tx, a: AssignArgs, via: 'supervisor' | 'transfer', fx: Effects, opts: { audit?: boolean } = {}): Promise<void> {
  const prevAssignee = await currentAssignee(tx, a.caseId);
  const c = await lockAgentsThenCase(tx, a.caseId, [a.agentId, prevAssignee]);
  if (c.assignee_id !== prevAssignee) throw Object.assign(new Error('assignee changed'), { code: '40001' });
  if (c.status === 'solved' || c.status === 'closed') throw conflict(`a ${c.status} case cannot be assigned`);
  const agent = await tx.query(`SELECT id, active FROM agents WHERE id = $1`, [a.agentId]);
  if (!agent.rowCount || !agent.rows[0].active) throw badRequest('agentId: no such active agent');
  if (c.assignee_id === a.agentId) return;
  const load = await agentLoad(tx, a.agentId, { lock: true });
  // an offer of this very case to the target agent is replaced by the assignment, so it does not count
  const own = await tx.query(`SELECT 1 FROM offers WHERE case_id = $1 AND agent_id = $2 AND status = 'pending'`, [c.id, a.agentId]);
  if (own.rowCount) {
    load.used[c.channel] = Math.max(0, (load.used[c.channel] ?? 0) - 1);
    if (c.channel === 'voice') load.onCall = (load.used.voice ?? 0) > 0;
  }
  if (!hasRoom(load, c.channel)) throw conflict(`the agent has no free ${c.channel} capacity`);
  await rescindCaseOfferInTx(tx, c.id, 'taken', fx);
  if (via === 'transfer') {
    await writeCaseEvent(tx, { caseId: c.id, type: 'transferred', agentId: a.actorId, data: withCause({ fromAgentId: c.assignee_id, toAgentId: a.agentId }, a.cause) });
  }
  await assignInTx(tx, { caseId: c.id, agentId: a.agentId, actorId: a.actorId, via, cause: a.cause }, fx);
  if (opts.audit !== false) await audit(tx, { actorId: a.actorId, action: via === 'transfer' ? 'case.transfer' : 'case.assign', entity: 'case', entityId: c.id, before: { assigneeId: c.assignee_id }, after: { assigneeId: a.agentId } });
}

export async function assignCase(deps: RoutingDeps, a: AssignArgs): Promise<HolderResult> {
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx) => {
    await assignToAgentInTx(tx, a, 'supervisor', fx);
    return result(tx, a.caseId);
  });
  await applyEffects(deps, fx);
  return res;
}

export async function transferCase(deps: RoutingDeps, t: TransferArgs): Promise<HolderResult> {
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx) => transferInTx(tx, t, fx));
  await applyEffects(deps, fx);
  return res;
}

/** A transfer inside the caller's transaction (no case or agent lock held yet); effects go to `fx`. */
export async function transferInTx(tx: Tx, t: TransferArgs, fx: Effects): Promise<HolderResult> {
  if ((t.toAgentId == null) === (t.toQueueId == null)) throw badRequest('give exactly one of toAgentId or toQueueId');
  if (t.toAgentId != null) await assignToAgentInTx(tx, { caseId: t.caseId, actorId: t.actorId, agentId: t.toAgentId, cause: t.cause }, 'transfer', fx);
  else await transferToQueueInTx(tx, { caseId: t.caseId, actorId: t.actorId, toQueueId: t.toQueueId!, cause: t.cause }, fx);
  return result(tx, t.caseId);
}

/** A case (not solved or closed) goes to a queue: back to waiting there, keeping its place in line. */
export async function transferToQueueInTx(tx: Tx, t: { caseId: number; actorId: number | null; toQueueId: number; cause?: CaseEventCause }, fx: Effects, opts: { audit?: boolean } = {}): Promise<void> {
  const q = await tx.query(`SELECT id FROM queues WHERE id = $1`, [t.toQueueId]);
  if (!q.rowCount) throw badRequest('toQueueId: no such queue');
  const prevAssignee = await currentAssignee(tx, t.caseId);
  const c = await lockAgentsThenCase(tx, t.caseId, [prevAssignee]);
  if (c.assignee_id !== prevAssignee) throw Object.assign(new Error('assignee changed'), { code: '40001' });
  if (c.status === 'solved' || c.status === 'closed') throw conflict(`a ${c.status} case cannot be transferred`);
  await rescindCaseOfferInTx(tx, c.id, 'transferred', fx);
  await tx.query(`UPDATE cases SET queue_id = $2, assignee_id = NULL, updated_at = now() WHERE id = $1`, [c.id, t.toQueueId]);
  await writeCaseEvent(tx, {
    caseId: c.id,
    type: 'transferred',
    agentId: t.actorId,
    queueId: t.toQueueId,
    data: withCause({ fromQueueId: c.queue_id, toQueueId: t.toQueueId, fromAgentId: c.assignee_id }, t.cause),
  });
  if (c.assignee_id) {
    await writeCaseEvent(tx, { caseId: c.id, type: 'unassigned', agentId: c.assignee_id, data: { actorId: t.actorId, reason: 'transferred' } });
    fx.rooms.push({ agentId: c.assignee_id, caseId: c.id, action: 'leave' });
    fx.presence.push(c.assignee_id);
  }
  await requeueInTx(tx, c.id, withCause({ after: 'transferred', toQueueId: t.toQueueId }, t.cause), fx);
  fx.reprioritised.push(c.id); // the new queue may rank the channel differently
  fx.caseUpdates.push({ caseId: c.id, event: 'transferred', agentIds: c.assignee_id ? [c.assignee_id] : [] });
  if (opts.audit !== false) await audit(tx, { actorId: t.actorId, action: 'case.transfer', entity: 'case', entityId: c.id, before: { queueId: c.queue_id, assigneeId: c.assignee_id }, after: { queueId: t.toQueueId, assigneeId: null } });
}

export async function unassignCase(deps: RoutingDeps, u: { caseId: number; actorId: number }): Promise<HolderResult> {
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx) => {
    const prevAssignee = await currentAssignee(tx, u.caseId);
    const c = await lockAgentsThenCase(tx, u.caseId, [prevAssignee]);
    if (c.assignee_id !== prevAssignee) throw Object.assign(new Error('assignee changed'), { code: '40001' });
    if (!c.assignee_id) throw conflict('the case is not assigned');
    if (c.status === 'solved' || c.status === 'closed') throw conflict(`a ${c.status} case cannot be unassigned`);
    await tx.query(`UPDATE cases SET assignee_id = NULL, last_agent_at = now(), updated_at = now() WHERE id = $1`, [c.id]);
    await writeCaseEvent(tx, { caseId: c.id, type: 'unassigned', agentId: c.assignee_id, data: { actorId: u.actorId } });
    await requeueInTx(tx, c.id, { after: 'unassigned' }, fx);
    fx.rooms.push({ agentId: c.assignee_id, caseId: c.id, action: 'leave' });
    fx.presence.push(c.assignee_id);
    fx.caseUpdates.push({ caseId: c.id, event: 'unassigned', agentIds: [c.assignee_id] });
    await audit(tx, { actorId: u.actorId, action: 'case.unassign', entity: 'case', entityId: c.id, before: { assigneeId: c.assignee_id }, after: { assigneeId: null } });
    return result(tx, c.id);
  });
  await applyEffects(deps, fx);
  return res;
}
