/**
 * Case lifecycle: new → open → pending → solved → closed, with reopen (solved → open).
 * `changeCaseStatus` validates the transition, sets the timestamps, writes case events
 * (status_changed plus solved / closed / reopened) and, when the case stops occupying its agent
 * (solved or closed), frees that capacity and triggers a match pass at once. A case still waiting
 * for an agent leaves the queue (its pending offer is withdrawn). Throws HttpError 404 / 409.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { conflict, notFound, badRequest } from '../lib/errors.js';
import type { RoutingDeps } from '../routing/deps.js';
import { applyEffects, noEffects, type Effects } from '../routing/effects.js';
import { markWaiting } from '../routing/enqueue.js';
import { rescindCaseOfferInTx } from '../routing/offers.js';
import { withRetryingTx } from '../routing/tx.js';
import { lockAgent, lockCase } from './assignment.js';

export type SettableStatus = 'open' | 'pending' | 'solved' | 'closed';

export interface ChangeStatusInput {
  caseId: number;
  status: SettableStatus;
  /** who changes it (null: the system, e.g. an automation or the customer's channel) */
  agentId: number | null;
  resolutionNote?: string;
  /** pending: when to wake the case up again */
  pendingUntil?: Date | string;
}

export interface ChangeStatusResult {
  caseId: number;
  from: string;
  to: string;
  changed: boolean;
}

const ALLOWED: Record<string, SettableStatus[]> = {
  new: ['open', 'pending', 'solved', 'closed'],
  open: ['pending', 'solved', 'closed'],
  pending: ['open', 'solved', 'closed'],
  solved: ['open', 'closed'],
  closed: [],
};

export function canTransition(from: string, to: SettableStatus): boolean {
  return from === to || (ALLOWED[from] ?? []).includes(to);
}

export async function changeCaseStatus(deps: RoutingDeps, input: ChangeStatusInput): Promise<ChangeStatusResult> {
  const pendingUntil = input.pendingUntil ? new Date(input.pendingUntil) : null;
  if (pendingUntil && Number.isNaN(pendingUntil.getTime())) throw badRequest('pendingUntil is not a valid time');
  const fx = noEffects();
  const result = await withRetryingTx(deps.db, async (tx) => {
    const pre = await tx.query(`SELECT assignee_id FROM cases WHERE id = $1`, [input.caseId]);
    if (!pre.rowCount) throw notFound('case');
    // agent row before case row, the order every routing path uses
    if (pre.rows[0].assignee_id) await lockAgent(tx, pre.rows[0].assignee_id);
    const c = await lockCase(tx, input.caseId);
    if (!c) throw notFound('case');
    if (c.assignee_id !== pre.rows[0].assignee_id) throw Object.assign(new Error('assignee changed'), { code: '40001' });
    if (c.status === input.status) return { caseId: c.id, from: c.status, to: c.status, changed: false };
    if (!canTransition(c.status, input.status)) throw conflict(`a ${c.status} case cannot become ${input.status}`);
    await applyTransition(tx, c, input, pendingUntil, fx);
    return { caseId: c.id, from: c.status, to: input.status, changed: true };
  });
  await applyEffects(deps, fx);
  return result;
}

/** One status change inside the caller's transaction, case row locked (e.g. a chat visitor leaving the queue). */
export async function applyTransition(
  tx: Tx,
  c: { id: number; status: string; assignee_id: number | null; routing_state: string },
  input: ChangeStatusInput,
  pendingUntil: Date | null,
  fx: Effects,
): Promise<void> {
  const to = input.status;
  const by = input.agentId;
  await writeCaseEvent(tx, { caseId: c.id, type: 'status_changed', agentId: by, data: { from: c.status, to, by } });

  if (to === 'solved' || to === 'closed') {
    if (c.routing_state === 'waiting' || c.routing_state === 'offered') {
      await rescindCaseOfferInTx(tx, c.id, 'closed', fx);
      fx.dequeued.push(c.id);
    }
    await tx.query(
      `UPDATE cases SET status = $2, routing_state = 'none', enqueue_pending = false, first_queued_at = NULL,
              solved_at = CASE WHEN $2 = 'solved' THEN now() ELSE COALESCE(solved_at, now()) END,
              closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE closed_at END,
              resolution_note = COALESCE($3, resolution_note), pending_until = NULL,
              last_agent_at = CASE WHEN assignee_id IS NOT NULL THEN now() ELSE last_agent_at END,
              updated_at = now()
        WHERE id = $1`,
      [c.id, to, input.resolutionNote ?? null],
    );
    await writeCaseEvent(tx, { caseId: c.id, type: to, agentId: by, data: { assigneeId: c.assignee_id, note: input.resolutionNote ?? null } });
    if (c.assignee_id && c.status !== 'solved') {
      // the agent's capacity is free again; "longest available" counts from here
      await tx.query(`UPDATE agents SET idle_since = now() WHERE id = $1`, [c.assignee_id]);
      fx.presence.push(c.assignee_id);
      fx.match = true;
    }
  } else if (to === 'pending') {
    await tx.query(`UPDATE cases SET status = 'pending', pending_until = $2, updated_at = now() WHERE id = $1`, [c.id, pendingUntil]);
  } else {
    // open: from new, from pending (woken up) or from solved (reopened)
    await tx.query(`UPDATE cases SET status = 'open', solved_at = NULL, pending_until = NULL, updated_at = now() WHERE id = $1`, [c.id]);
    if (c.status === 'solved') {
      await writeCaseEvent(tx, { caseId: c.id, type: 'reopened', agentId: by, data: { by } });
      if (c.assignee_id) {
        await tx.query(`UPDATE cases SET routing_state = 'assigned' WHERE id = $1`, [c.id]);
        fx.presence.push(c.assignee_id);
      } else {
        await markWaiting(tx, c.id, 'queued', { after: 'reopened' });
        fx.requeued.push(c.id);
      }
    }
  }
  fx.caseUpdates.push({ caseId: c.id, event: `status:${to}`, agentIds: c.assignee_id ? [c.assignee_id] : [] });
}
