import type { RoutingDeps } from '../../routing/deps.js';
import { withdrawCase } from '../../routing/withdraw.js';
import { unassignCase } from '../../routing/transfer.js';
import { applyEffects, noEffects } from '../../routing/effects.js';
import { rescindCaseOfferInTx } from '../../routing/offers.js';
import { withRetryingTx } from '../../routing/tx.js';
import { lockCase } from '../../cases/assignment.js';

export type VoiceRoutingDeps = RoutingDeps;

/**
 * The caller left the queue (hung up, or went to voicemail): the case stops waiting, a pending offer is
 * withdrawn and an `abandoned` event records the wait. A case already with an agent is left alone.
 */
export async function withdrawCall(deps: VoiceRoutingDeps, caseId: number, reason: 'abandoned' | 'customer_left'): Promise<boolean> {
  return (await withdrawCase(deps, caseId, reason)).withdrawn;
}

/** The assigned agent did not pick up: the case goes back to waiting in its original place. */
export async function requeueUnansweredCall(deps: VoiceRoutingDeps, caseId: number, agentId: number): Promise<void> {
  const c = await deps.db.query(`SELECT assignee_id FROM cases WHERE id = $1`, [caseId]);
  if (c.rows[0]?.assignee_id !== agentId) return;
  await unassignCase(deps, { caseId, actorId: agentId }).catch((err: { statusCode?: number }) => {
    if (err.statusCode !== 409) throw err; // already unassigned elsewhere
  });
}

/**
 * A caller sent to voicemail after the queue's maximum wait did not abandon (they waited, we did not answer): the case
 * leaves the queue and a pending offer is withdrawn, but no `abandoned` event is written. The call counts as offered
 * and not answered in the service level.
 */
export async function dequeueMissedCall(deps: VoiceRoutingDeps, caseId: number): Promise<boolean> {
  const fx = noEffects();
  const moved = await withRetryingTx(deps.db, async (tx) => {
    const c = await lockCase(tx, caseId);
    if (!c || (c.routing_state !== 'waiting' && c.routing_state !== 'offered')) return false;
    await rescindCaseOfferInTx(tx, caseId, 'customer_left', fx);
    await tx.query(`UPDATE cases SET routing_state = 'none', enqueue_pending = false, updated_at = now() WHERE id = $1`, [caseId]);
    fx.dequeued.push(caseId);
    fx.caseUpdates.push({ caseId, event: 'missed', agentIds: [] });
    fx.match = fx.rescinded.length > 0; // the offered agent has room again
    return true;
  });
  await applyEffects(deps, fx);
  return moved;
}
