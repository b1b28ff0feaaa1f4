import { withdrawCaseInTx } from '../../lifecycle/withdraw.js';
import { applyTransition, canTransition } from '../../lifecycle/status.js';
import { applyEffects, noEffects, withEffectsTx } from '../../lifecycle/effects.js';
import type { RoutingDeps } from '../../lifecycle/deps.js';

/**
 * A chat visitor left before an agent took the conversation: the case leaves the queue (a
 * pending offer is rescinded, an `abandoned` event feeds the abandonment KPI) and, as nobody can
 * answer a visitor who is gone, the conversation is closed — all in one transaction, so an
 * `abandoned` event never exists for a case still open. False when an agent already had it.
 */
export async function leaveQueue(deps: RoutingDeps, caseId: number): Promise<boolean> {
  const fx = noEffects();
  const left = await withEffectsTx(deps.db, fx, async (tx) => {
    const r = await withdrawCaseInTx(tx, caseId, 'customer_left', fx);
    if (!r.withdrawn) return false;
    const c = (await tx.query(`SELECT id, status, assignee_id, routing_state FROM cases WHERE id = $1`, [caseId])).rows[0];
    if (c.status !== 'closed' && canTransition(c.status, 'closed')) {
      await applyTransition(tx, c, { caseId, status: 'closed', agentId: null, resolutionNote: 'visitor left before an agent answered' }, null, fx);
    }
    return true;
  });
  await applyEffects(deps, fx);
  return left;
}
