import type { RoutingDeps } from '../../lifecycle/deps.js';
import { withdrawCase } from '../../lifecycle/withdraw.js';
import { unassignCase } from '../../lifecycle/transfer.js';

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
  return (await withdrawCase(deps, caseId, 'missed')).withdrawn;
}
