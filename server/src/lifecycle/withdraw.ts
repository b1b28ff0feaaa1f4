/**
 * The customer left while waiting (caller hung up, chat visitor left): the case leaves the
 * routing queue, a pending offer is withdrawn (`offer:rescinded` to that agent) and an `abandoned`
 * case event records how long the customer waited (abandonment KPI). A case already with an
 * agent is left alone (`withdrawn: false`): that conversation ends through changeCaseStatus.
 */
import { writeCaseEvent } from '../db/case-events.js';
import { notFound } from '../lib/errors.js';
import { lockCase } from './assignment.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import type { Tx } from '../db/pool.js';
import { rescindCaseOfferInTx } from './rescind.js';
import { canRoute } from './machine.js';
import type { RoutingDeps } from './deps.js';

/**
 * `missed`: a caller sent to voicemail after the queue's maximum wait did not abandon (they waited, we did
 * not answer) — the case leaves the queue but no `abandoned` event is written.
 */
export type WithdrawReason = 'abandoned' | 'customer_left' | 'missed';

export async function withdrawCase(
  deps: RoutingDeps,
  caseId: number,
  reason: WithdrawReason,
): Promise<{ withdrawn: boolean; waitedSeconds: number | null }> {
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, (tx) => withdrawCaseInTx(tx, caseId, reason, fx));
  await applyEffects(deps, fx);
  return res;
}

/** The same inside the caller's transaction (the caller applies `fx` after commit). */
export async function withdrawCaseInTx(tx: Tx, caseId: number, reason: WithdrawReason, fx: Effects): Promise<{ withdrawn: boolean; waitedSeconds: number | null }> {
  const c = await lockCase(tx, caseId);
  if (!c) throw notFound('case');
  if (!canRoute(c.routing_state, 'withdraw')) return { withdrawn: false, waitedSeconds: null };
  await rescindCaseOfferInTx(tx, caseId, reason === 'missed' ? 'customer_left' : reason, fx);
  const w = await tx.query(
    `UPDATE cases SET routing_state = 'none', updated_at = now()
      WHERE id = $1 RETURNING EXTRACT(EPOCH FROM (now() - first_queued_at))::float AS waited`,
    [caseId],
  );
  const waitedSeconds = w.rows[0].waited == null ? null : Math.round(w.rows[0].waited * 1000) / 1000;
  if (reason !== 'missed') await writeCaseEvent(tx, { caseId, type: 'abandoned', data: { reason, waitedSeconds } });
  fx.dequeued.push(caseId);
  fx.caseUpdates.push({ caseId, event: reason === 'missed' ? 'missed' : 'abandoned', agentIds: [] });
  fx.match = fx.rescinded.length > 0; // the offered agent has room again
  return { withdrawn: true, waitedSeconds };
}
