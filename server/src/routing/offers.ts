/**
 * Offer responses: accept (→ assignment), decline and timeout (→ back to waiting in the same
 * place, not offered to that agent again for a cooldown), and rescinding an agent's offers when
 * the agent stops being available. Each decision is one Postgres transaction that locks the agent
 * row first, then the case, then the offer.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import type { AcceptAck, RescindReason, SimpleAck } from '../contracts/realtime.js';
import { assignInTx, lockAgent, lockCase } from '../cases/assignment.js';
import { markWaiting } from './enqueue.js';
import { applyEffects, noEffects, type Effects } from './effects.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { withRetryingTx } from './tx.js';
import { scheduleOfferTimeout } from './signals.js';
import { offerPayload } from './notify.js';
import type { OfferPayload } from '../contracts/realtime.js';
import { setPresenceInTx } from '../presence/presence.js';

interface OfferRow {
  id: string;
  case_id: number;
  agent_id: number;
  status: string;
  live: boolean;
  ms_left: number;
}

async function findOffer(db: { query: Tx['query'] }, offerId: string): Promise<OfferRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(offerId)) return undefined;
  const r = await db.query(
    `SELECT id, case_id, agent_id, status, expires_at > now() AS live,
            GREATEST(0, EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::int AS ms_left
       FROM offers WHERE id = $1`,
    [offerId],
  );
  return r.rows[0];
}

async function lockOffer(tx: Tx, offerId: string): Promise<OfferRow | undefined> {
  const r = await tx.query(
    `SELECT id, case_id, agent_id, status, expires_at > now() AS live,
            GREATEST(0, EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::int AS ms_left
       FROM offers WHERE id = $1 FOR UPDATE`,
    [offerId],
  );
  return r.rows[0];
}

/** Puts a case back on the queue keeping its first-queued time, i.e. its place. */
export async function requeueInTx(tx: Tx, caseId: number, data: Record<string, unknown>, fx: Effects): Promise<void> {
  await markWaiting(tx, caseId, 'requeued', data);
  fx.requeued.push(caseId);
  fx.caseUpdates.push({ caseId, event: 'requeued', agentIds: [] });
}

export async function acceptOffer(deps: RoutingDeps, a: { offerId: string; agentId: number }): Promise<AcceptAck> {
  const pre = await findOffer(deps.db, a.offerId);
  if (!pre || pre.agent_id !== a.agentId) return { ok: false, reason: 'not_found' };
  const fx = noEffects();
  const res = await withRetryingTx(deps.db, async (tx): Promise<AcceptAck> => {
    await lockAgent(tx, a.agentId);
    await lockCase(tx, pre.case_id);
    const o = await lockOffer(tx, a.offerId);
    // A retried accept whose first answer was lost (server restarting, timeout): same answer again.
    if (o?.status === 'accepted' && o.agent_id === a.agentId) return { ok: true, caseId: o.case_id };
    // The agent did answer, only the answer came late (connection down): not a missed offer.
    if (o?.status === 'timed_out' && o.agent_id === a.agentId) await forgiveMissedOfferInTx(tx, a.agentId, fx);
    if (!o || o.status !== 'pending') return { ok: false, reason: o?.status === 'rescinded' ? 'rescinded' : (o?.status ?? 'not_found') };
    if (!o.live) return { ok: false, reason: 'expired' };
    await tx.query(`UPDATE offers SET status = 'accepted', responded_at = now() WHERE id = $1`, [o.id]);
    await tx.query(`UPDATE agents SET consecutive_timeouts = 0 WHERE id = $1`, [a.agentId]);
    await assignInTx(tx, { caseId: o.case_id, agentId: a.agentId, actorId: a.agentId, via: 'accept', offerId: o.id }, fx);
    return { ok: true, caseId: o.case_id };
  });
  await applyEffects(deps, fx);
  return res;
}

/**
 * An accept that reached us after the offer timed out: the agent was there, so the timeout does not
 * count, and an Away set for missed offers since is undone.
 */
async function forgiveMissedOfferInTx(tx: Tx, agentId: number, fx: Effects): Promise<void> {
  await tx.query(`UPDATE agents SET consecutive_timeouts = 0 WHERE id = $1`, [agentId]);
  const last = await tx.query(
    `SELECT a.presence, (SELECT reason FROM agent_presence_log l WHERE l.agent_id = a.id ORDER BY l.id DESC LIMIT 1) AS reason FROM agents a WHERE a.id = $1`,
    [agentId],
  );
  if (last.rows[0]?.presence === 'away' && last.rows[0].reason === 'missed_offers') await setPresenceInTx(tx, agentId, 'available', 'late_accept', fx);
}

export async function declineOffer(deps: RoutingDeps, a: { offerId: string; agentId: number; reason?: string }): Promise<SimpleAck> {
  const pre = await findOffer(deps.db, a.offerId);
  if (!pre || pre.agent_id !== a.agentId) return { ok: false, reason: 'not_found' };
  const fx = noEffects();
  const res = await withRetryingTx(deps.db, async (tx): Promise<SimpleAck> => {
    await lockAgent(tx, a.agentId);
    await lockCase(tx, pre.case_id);
    const o = await lockOffer(tx, a.offerId);
    if (!o || o.status !== 'pending') return { ok: false, reason: o?.status ?? 'not_found' };
    await tx.query(`UPDATE offers SET status = 'declined', responded_at = now(), end_reason = 'declined' WHERE id = $1`, [o.id]);
    await tx.query(`UPDATE agents SET consecutive_timeouts = 0 WHERE id = $1`, [a.agentId]);
    await writeCaseEvent(tx, { caseId: o.case_id, type: 'declined', agentId: a.agentId, data: { offerId: o.id, reason: a.reason ?? null } });
    await requeueInTx(tx, o.case_id, { after: 'declined', offerId: o.id }, fx);
    fx.presence.push(a.agentId);
    fx.cooldown = true;
    return { ok: true };
  });
  if (res.ok) await applyEffects(deps, fx);
  return res;
}

/**
 * Timer fired for an offer. Returns the milliseconds still to wait when it fired early (the caller
 * re-schedules), or null when the offer was settled. The agent's timeouts in a row are counted;
 * reaching the limit sets the agent Away.
 */
export async function expireOffer(deps: RoutingDeps, offerId: string): Promise<number | null> {
  const pre = await findOffer(deps.db, offerId);
  if (!pre || pre.status !== 'pending') return null;
  if (pre.live && pre.ms_left > 0) return pre.ms_left;
  const settings = settingsOf(deps);
  const fx = noEffects();
  await withRetryingTx(deps.db, async (tx) => {
    const agent = await lockAgent(tx, pre.agent_id);
    await lockCase(tx, pre.case_id);
    const o = await lockOffer(tx, offerId);
    if (!o || o.status !== 'pending' || o.live) return;
    await tx.query(`UPDATE offers SET status = 'timed_out', responded_at = now(), end_reason = 'timeout' WHERE id = $1`, [o.id]);
    const t = await tx.query(`UPDATE agents SET consecutive_timeouts = consecutive_timeouts + 1 WHERE id = $1 RETURNING consecutive_timeouts`, [o.agent_id]);
    await writeCaseEvent(tx, { caseId: o.case_id, type: 'timed_out', agentId: o.agent_id, data: { offerId: o.id } });
    await requeueInTx(tx, o.case_id, { after: 'timed_out', offerId: o.id }, fx);
    fx.rescinded.push({ agentId: o.agent_id, offerId: o.id, caseId: o.case_id, reason: 'timeout' });
    fx.presence.push(o.agent_id);
    fx.cooldown = true;
    if (agent?.presence === 'available' && t.rows[0].consecutive_timeouts >= settings.awayAfterTimeouts) {
      await setPresenceInTx(tx, o.agent_id, 'away', 'missed_offers', fx);
    }
  });
  await applyEffects(deps, fx);
  return null;
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

export async function listAgentOffers(deps: RoutingDeps, agentId: number): Promise<OfferPayload[]> {
  const r = await deps.db.query(`SELECT id FROM offers WHERE agent_id = $1 AND status = 'pending' AND expires_at > now() ORDER BY created_at`, [agentId]);
  const out: OfferPayload[] = [];
  for (const row of r.rows) {
    const p = await offerPayload(deps.db, row.id);
    if (p) out.push(p);
  }
  return out;
}

/** After a restart: offers still in flight get their timer back; expired ones are settled now. */
export async function reviveOffers(deps: RoutingDeps): Promise<{ rescheduled: number; expired: number }> {
  const r = await deps.db.query(
    `SELECT id, GREATEST(0, EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::int AS ms_left FROM offers WHERE status = 'pending'`,
  );
  let rescheduled = 0;
  let expired = 0;
  for (const o of r.rows) {
    if (o.ms_left <= 0) {
      await expireOffer(deps, o.id);
      expired++;
    } else {
      await scheduleOfferTimeout(deps.queues, o.id, o.ms_left);
      rescheduled++;
    }
  }
  return { rescheduled, expired };
}
