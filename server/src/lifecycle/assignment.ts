/**
 * Assignment of a case to an agent, shared by offer acceptance, supervisor assignment and
 * transfers. Call `assignInTx` inside a transaction that already holds the agent's and the case's
 * row locks (agent first), then apply the returned effects after commit.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent, withCause, type CaseEventCause } from '../db/case-events.js';
import type { Effects } from './effects.js';
import type { PresencePayload } from '../contracts/realtime.js';
import type { CaseUpdatedRow } from '../realtime/case-updated.js';

export interface AssignInput {
  caseId: number;
  agentId: number;
  actorId: number | null;
  via: 'accept' | 'supervisor' | 'transfer';
  offerId?: string;
  cause?: CaseEventCause;
}

export async function assignInTx(tx: Tx, a: AssignInput, fx: Effects): Promise<{ previousAgentId: number | null }> {
  const before = await tx.query(
    `SELECT assignee_id, status, channel, first_queued_at,
            EXTRACT(EPOCH FROM (now() - first_queued_at))::float AS waited
       FROM cases WHERE id = $1`,
    [a.caseId],
  );
  const prev = before.rows[0];
  await tx.query(
    `UPDATE cases SET assignee_id = $2, status = CASE WHEN status = 'new' THEN 'open' ELSE status END,
            routing_state = 'assigned', last_agent_id = $2, last_agent_at = now(), updated_at = now()
      WHERE id = $1`,
    [a.caseId, a.agentId],
  );
  const waitedSeconds = prev.waited == null ? null : Math.round(prev.waited * 1000) / 1000;
  if (a.via === 'accept') await writeCaseEvent(tx, { caseId: a.caseId, type: 'accepted', agentId: a.agentId, data: { offerId: a.offerId, waitedSeconds } });
  await writeCaseEvent(tx, {
    caseId: a.caseId,
    type: 'assigned',
    agentId: a.agentId,
    data: withCause({ via: a.via, actorId: a.actorId, previousAgentId: prev.assignee_id, waitedSeconds }, a.cause),
  });
  if (prev.status === 'new') await writeCaseEvent(tx, { caseId: a.caseId, type: 'status_changed', agentId: a.agentId, data: { from: 'new', to: 'open' } });

  const previousAgentId: number | null = prev.assignee_id && prev.assignee_id !== a.agentId ? prev.assignee_id : null;
  assignedEffects(fx, { caseId: a.caseId, agentId: a.agentId, channel: prev.channel }, previousAgentId);
  // someone else gave the case to this agent (an accepted offer is the agent's own choice): both the
  // new assignee and the agent it was taken from see it in their bell
  if (a.via !== 'accept' && prev.assignee_id !== a.agentId) {
    const data = { via: a.via, toAgentId: a.agentId, previousAgentId };
    fx.notices.push({ kind: 'reassigned', to: { agentIds: [a.agentId] }, caseId: a.caseId, actorAgentId: a.actorId, data: { ...data, role: 'assignee' } });
    if (previousAgentId) fx.notices.push({ kind: 'reassigned', to: { agentIds: [previousAgentId] }, caseId: a.caseId, actorAgentId: a.actorId, data: { ...data, role: 'previous' } });
  }
  return { previousAgentId };
}

/**
 * What an assignment leaves to do after commit (also used by the one-statement accept in offers.ts, which
 * passes the agent's presence event and, as `row`, the case as its statement returned them: neither read again
 * after commit; `row` only from a transaction that changed nothing of the case after it). The case's channel,
 * when the caller read it, decides how the channel's part runs (Effects.assigned).
 */
export function assignedEffects(fx: Effects, a: Effects['assigned'][number], previous: number | null, presence?: PresencePayload, row?: CaseUpdatedRow): void {
  const { caseId, agentId } = a;
  const previousAgentId = previous && previous !== agentId ? previous : null;
  fx.dequeued.push(caseId);
  fx.assigned.push(a);
  fx.rooms.push({ agentId, caseId, action: 'join' });
  fx.presence.push(presence ? { agentId, payload: presence } : agentId);
  if (previousAgentId) {
    fx.rooms.push({ agentId: previousAgentId, caseId, action: 'leave' });
    fx.presence.push(previousAgentId);
  }
  fx.caseUpdates.push({ caseId, event: 'assigned', agentIds: [agentId, ...(previousAgentId ? [previousAgentId] : [])], ...(row ? { row } : {}) });
}

/** Locks the agent row (always before the case row, so concurrent paths cannot deadlock). */
export async function lockAgent(tx: Tx, agentId: number) {
  const r = await tx.query(`SELECT id, presence, active, consecutive_timeouts FROM agents WHERE id = $1 FOR NO KEY UPDATE`, [agentId]);
  return r.rows[0] as { id: number; presence: string; active: boolean; consecutive_timeouts: number } | undefined;
}

export async function lockCase(tx: Tx, caseId: number) {
  const r = await tx.query(
    `SELECT id, status, channel, queue_id, assignee_id, routing_state, customer_id FROM cases WHERE id = $1 FOR UPDATE`,
    [caseId],
  );
  return r.rows[0] as
    | { id: number; status: string; channel: string; queue_id: number | null; assignee_id: number | null; routing_state: string; customer_id: number }
    | undefined;
}
