/**
 * Rescind: offered → waiting (or out of routing, for the caller to decide). Shared by presence changes,
 * expiry, assignment elsewhere, withdrawals and merges; callers hold the locks and apply `fx` after commit.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import type { RescindReason } from '../contracts/realtime.js';
import { queueInTx } from './queue.js';
import type { Effects } from './effects.js';

/** Puts a case back on the queue keeping its first-queued time, i.e. its place. */
export async function requeueInTx(tx: Tx, caseId: number, data: Record<string, unknown>, fx: Effects): Promise<void> {
  await queueInTx(tx, caseId, 'requeued', data);
  fx.requeued.push(caseId);
  fx.caseUpdates.push({ caseId, event: 'requeued', agentIds: [] });
}

/** Withdraws every pending offer of an agent (went Away/Offline): the cases go back in their place. */
export async function rescindAgentOffersInTx(tx: Tx, agentId: number, reason: RescindReason, fx: Effects): Promise<void> {
  const r = await tx.query(
    `UPDATE offers SET status = 'rescinded', responded_at = now(), end_reason = $2
      WHERE agent_id = $1 AND status = 'pending' RETURNING id, case_id`,
    [agentId, reason],
  );
  for (const o of r.rows) {
    await writeCaseEvent(tx, { caseId: o.case_id, type: 'rescinded', agentId, data: { offerId: o.id, reason } });
    await requeueInTx(tx, o.case_id, { after: 'rescinded', offerId: o.id }, fx);
    fx.rescinded.push({ agentId, offerId: o.id, caseId: o.case_id, reason });
  }
}

/** Withdraws the pending offer of a case (taken elsewhere, customer left, closed). Caller holds the case lock. */
export async function rescindCaseOfferInTx(tx: Tx, caseId: number, reason: RescindReason, fx: Effects): Promise<void> {
  const r = await tx.query(
    `UPDATE offers SET status = 'rescinded', responded_at = now(), end_reason = $2
      WHERE case_id = $1 AND status = 'pending' RETURNING id, agent_id`,
    [caseId, reason],
  );
  for (const o of r.rows) {
    await writeCaseEvent(tx, { caseId, type: 'rescinded', agentId: o.agent_id, data: { offerId: o.id, reason } });
    fx.rescinded.push({ agentId: o.agent_id, offerId: o.id, caseId, reason });
    fx.presence.push(o.agent_id);
  }
}

