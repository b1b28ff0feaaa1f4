/**
 * Offer responses: accept (→ assignment), decline and timeout (→ back to waiting in the same
 * place, not offered to that agent again for a cooldown), and rescinding an agent's offers when
 * the agent stops being available. Each decision is one Postgres transaction that locks the agent
 * row first, then the case, then the offer.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import type { AcceptAck, SimpleAck } from '../contracts/realtime.js';
import { assignInTx, assignedEffects, lockAgent, lockCase } from './assignment.js';
import { requeueInTx } from './rescind.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { retryingConflicts } from './tx.js';
import { withTimeout } from '../lib/with-timeout.js';
import type { Channel } from '../contracts/vocabulary.js';
import { offerTimeoutMs } from '../routing/settings.js';
import { presenceOfRow } from '../routing/load.js';
import { offerPayload } from './emits.js';
import type { OfferPayload } from '../contracts/realtime.js';
import type { CaseUpdatedRow } from '../realtime/case-updated.js';
import { setPresenceInTx } from './presence.js';
import { namedStatement, runNamed } from '../db/named.js';

export interface OfferAttempt {
  caseId: number;
  channel: Channel;
  /** best first */
  candidates: number[];
  stickyId: number | null;
  routerId?: string;
  /** how long the agent has to answer: the queue's timeout for this channel; the hub default when unset */
  timeoutMs?: number;
  /** the `offer` event, built by the router from what it already read */
  payload: (offerId: string, expiresAt: string) => OfferPayload;
}

export interface OfferOutcome {
  offer: { offerId: string; agentId: number; expiresAt: string } | null;
  /** another router is deciding this case right now */
  caseBusy: boolean;
  /** no candidate was available with room on the case's channel when the offer was tried */
  full: boolean;
  /** candidates passed over because another transaction held their routing row at that moment */
  lockedAgents: number[];
}

// Every offer and every accept runs one of these: named (db/named.ts), so each connection parses them once
// instead of parsing, analysing and planning the call on every message.
const ROUTING_OFFER = namedStatement('routing-offer', `SELECT outcome, offer_id, agent_id, expires_at, skipped FROM routing_offer($1, $2, $3, $4, $5)`);
const ROUTING_ACCEPT = namedStatement(
  'routing-accept',
  `SELECT outcome, case_id, prev_status, prev_assignee, channel, queue_id, priority, presence, break_reason_id, wrap_up_until, capacity, used
     FROM routing_accept($1, $2)`,
);

/**
 * offer: waiting → offered, one round trip (`routing_offer`, migration 0901): the case is taken
 * (another router's claim is passed over as `busy`), then the first candidate who is available and has
 * room, under that agent's routing-row lock, and the offer counts against the agent's load before the
 * lock is released — so routers on any number of nodes can neither offer one case twice (also a unique
 * index) nor push an agent past capacity. After commit the agent gets `offer`; the router holding the pass
 * lease expires it when its time is up (routing/expiry.ts).
 */
export async function offerCase(deps: RoutingDeps, a: OfferAttempt): Promise<OfferOutcome> {
  const timeoutMs = a.timeoutMs ?? offerTimeoutMs(settingsOf(deps), a.channel);
  const r = await runNamed(deps.db, ROUTING_OFFER, [a.caseId, a.candidates, a.stickyId, timeoutMs / 1000, JSON.stringify(a.routerId ? { router: a.routerId } : {})]);
  const row = r.rows[0] as {
    outcome: 'offered' | 'busy' | 'gone' | 'full';
    offer_id: string | null;
    agent_id: string | null;
    expires_at: Date | null;
    skipped: (string | number)[];
  };
  const out: OfferOutcome = { offer: null, caseBusy: row.outcome === 'busy', full: row.outcome === 'full', lockedAgents: row.skipped.map(Number) };
  if (row.outcome !== 'offered') return out;
  const agentId = Number(row.agent_id);
  const expiresAt = new Date(row.expires_at!).toISOString();
  out.offer = { offerId: row.offer_id!, agentId, expiresAt };
  const fx = noEffects();
  fx.offers.push({ agentId, payload: a.payload(row.offer_id!, expiresAt) });
  await applyEffects(deps, fx);
  return out;
}

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

/**
 * The agent's answer reached the hub: remembered at once (before any database work) so an expiry
 * processed while the answer waits its turn knows the agent did not let the offer time out.
 */
async function noteAnswered(deps: RoutingDeps, offerId: string): Promise<void> {
  try {
    const { redis, prefix } = deps.queues.kv;
    await withTimeout(redis.set(`${prefix}:offer-answered:${offerId}`, '1', 'PX', 10 * 60_000), 500);
  } catch (err) {
    deps.log?.warn({ err, offerId }, 'could not note an offer answer; a late expiry may count it as missed');
  }
}

async function wasAnswered(deps: RoutingDeps, offerId: string): Promise<boolean> {
  try {
    const { redis, prefix } = deps.queues.kv;
    return (await withTimeout(redis.exists(`${prefix}:offer-answered:${offerId}`), 500)) === 1;
  } catch (err) {
    deps.log?.warn({ err, offerId }, 'could not read offer answers; counting the expiry as missed');
    return false;
  }
}

/**
 * An answer that came after the offer expired is refused (the agent's screen says so) and never
 * committed: the offer ends as `timed_out` with `late_accept`/`late_decline`, the case goes back in its
 * place, and, the agent having answered, it counts as no missed offer (a late accept may be offered
 * the case again at once; a late decline keeps the cooldown).
 */
async function settleLateAnswer(tx: Tx, o: OfferRow, kind: 'late_accept' | 'late_decline', fx: Effects): Promise<void> {
  await tx.query(`UPDATE offers SET status = 'timed_out', responded_at = now(), end_reason = $2 WHERE id = $1`, [o.id, kind]);
  await tx.query(`UPDATE agents SET consecutive_timeouts = 0 WHERE id = $1`, [o.agent_id]);
  await writeCaseEvent(tx, { caseId: o.case_id, type: 'timed_out', agentId: o.agent_id, data: { offerId: o.id, late: kind } });
  await requeueInTx(tx, o.case_id, { after: 'timed_out', offerId: o.id }, fx);
  fx.rescinded.push({ agentId: o.agent_id, offerId: o.id, caseId: o.case_id, reason: 'timeout' });
  fx.presence.push(o.agent_id);
  if (kind === 'late_decline') fx.cooldown = true;
}

/** Why an answer to an offer that is no longer pending is refused. */
const settledReason = (status: string | undefined) => (status === 'timed_out' ? 'expired' : (status ?? 'not_found'));

/** accept: offered → assigned, unless the offer already expired (then refused with `expired`). */
/**
 * An agent's answer, told to `onDecided` as soon as it is committed: the agent's screen need not wait for
 * the after-commit effects (rooms, events, presence) that follow it.
 */
export interface AnswerOptions<T> {
  onDecided?: (ack: T) => void;
}

export async function acceptOffer(deps: RoutingDeps, a: { offerId: string; agentId: number }, opts: AnswerOptions<AcceptAck> = {}): Promise<AcceptAck> {
  if (!/^[0-9a-f-]{36}$/i.test(a.offerId)) return { ok: false, reason: 'not_found' };
  // the common case in one round trip: a pending, live offer of this agent's
  await noteAnswered(deps, a.offerId);
  // (with the agent's presence and the case as it left them, so neither is read again for the events after commit)
  const fast = (
    await retryingConflicts(() =>
      runNamed(deps.db, ROUTING_ACCEPT, [a.offerId, a.agentId]),
    )
  ).rows[0];
  if (fast?.outcome === 'accepted') {
    const caseId = Number(fast.case_id);
    const fx = noEffects();
    const row: CaseUpdatedRow = {
      status: fast.prev_status === 'new' ? 'open' : fast.prev_status,
      priority: fast.priority,
      assignee_id: a.agentId,
      routing_state: 'assigned',
      queue_id: fast.queue_id == null ? null : Number(fast.queue_id),
    };
    assignedEffects(fx, { caseId, agentId: a.agentId, channel: fast.channel }, fast.prev_assignee == null ? null : Number(fast.prev_assignee), presenceOfRow(fast), row);
    const ack: AcceptAck = { ok: true, caseId };
    opts.onDecided?.(ack);
    await applyEffects(deps, fx);
    return ack;
  }
  return acceptOfferSlow(deps, a, opts);
}

/** accept, general path: a retried accept, a late one, someone else's offer. */
async function acceptOfferSlow(deps: RoutingDeps, a: { offerId: string; agentId: number }, opts: AnswerOptions<AcceptAck>): Promise<AcceptAck> {
  const pre = await findOffer(deps.db, a.offerId);
  if (!pre || pre.agent_id !== a.agentId) return { ok: false, reason: 'not_found' };
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx): Promise<AcceptAck> => {
    await lockAgent(tx, a.agentId);
    await lockCase(tx, pre.case_id);
    const o = await lockOffer(tx, a.offerId);
    // A retried accept whose first answer was lost (server restarting, timeout): same answer again.
    if (o?.status === 'accepted' && o.agent_id === a.agentId) return { ok: true, caseId: o.case_id };
    // The agent did answer, only the answer came after the expiry was processed: not a missed offer.
    if (o?.status === 'timed_out' && o.agent_id === a.agentId) await forgiveMissedOfferInTx(tx, a.agentId, fx);
    if (!o || o.status !== 'pending') return { ok: false, reason: settledReason(o?.status) };
    if (!o.live) {
      await settleLateAnswer(tx, o, 'late_accept', fx);
      return { ok: false, reason: 'expired' };
    }
    await tx.query(`UPDATE offers SET status = 'accepted', responded_at = now() WHERE id = $1`, [o.id]);
    await tx.query(`UPDATE agents SET consecutive_timeouts = 0 WHERE id = $1`, [a.agentId]);
    await assignInTx(tx, { caseId: o.case_id, agentId: a.agentId, actorId: a.agentId, via: 'accept', offerId: o.id }, fx);
    return { ok: true, caseId: o.case_id };
  });
  opts.onDecided?.(res);
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

/** decline: offered → waiting in the same place, not offered to this agent again for a cooldown. */
export async function declineOffer(
  deps: RoutingDeps,
  a: { offerId: string; agentId: number; reason?: string },
  opts: AnswerOptions<SimpleAck> = {},
): Promise<SimpleAck> {
  const pre = await findOffer(deps.db, a.offerId);
  if (!pre || pre.agent_id !== a.agentId) return { ok: false, reason: 'not_found' };
  if (pre.status === 'pending') await noteAnswered(deps, a.offerId);
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx): Promise<SimpleAck> => {
    await lockAgent(tx, a.agentId);
    await lockCase(tx, pre.case_id);
    const o = await lockOffer(tx, a.offerId);
    if (!o || o.status !== 'pending') return { ok: false, reason: settledReason(o?.status) };
    if (!o.live) {
      await settleLateAnswer(tx, o, 'late_decline', fx);
      return { ok: false, reason: 'expired' };
    }
    await tx.query(`UPDATE offers SET status = 'declined', responded_at = now(), end_reason = 'declined' WHERE id = $1`, [o.id]);
    await tx.query(`UPDATE agents SET consecutive_timeouts = 0 WHERE id = $1`, [a.agentId]);
    await writeCaseEvent(tx, { caseId: o.case_id, type: 'declined', agentId: a.agentId, data: { offerId: o.id, reason: a.reason ?? null } });
    await requeueInTx(tx, o.case_id, { after: 'declined', offerId: o.id }, fx);
    fx.presence.push(a.agentId);
    fx.cooldown = true;
    return { ok: true };
  });
  opts.onDecided?.(res);
  await applyEffects(deps, fx);
  return res;
}

/**
 * expire: offered → waiting, when the offer's timer fires. Returns the milliseconds still to wait when
 * it fired early (the caller re-schedules), or null when the offer was settled. Only offers the agent
 * really let time out count: an answer that reached the hub (and waits its turn behind this expiry)
 * does not. An agent who answered any other offer since this one was made is present and is not set
 * Away, however late the expiry is processed.
 */
export async function expireOffer(deps: RoutingDeps, offerId: string): Promise<number | null> {
  const pre = await findOffer(deps.db, offerId);
  if (!pre || pre.status !== 'pending') return null;
  if (pre.live && pre.ms_left > 0) return pre.ms_left;
  const settings = settingsOf(deps);
  const answered = await wasAnswered(deps, offerId);
  const fx = noEffects();
  await withEffectsTx(deps.db, fx, async (tx) => {
    const agent = await lockAgent(tx, pre.agent_id);
    await lockCase(tx, pre.case_id);
    const o = await lockOffer(tx, offerId);
    if (!o || o.status !== 'pending' || o.live) return;
    const later = await tx.query(
      `SELECT 1 FROM offers x, offers o WHERE o.id = $1 AND x.agent_id = o.agent_id AND x.id <> o.id
          AND x.status IN ('accepted', 'declined') AND x.responded_at >= o.created_at LIMIT 1`,
      [o.id],
    );
    // not answered: it counts; Away only for an agent who answered nothing since this offer was made
    const missed = !answered;
    const absent = missed && !later.rowCount;
    await tx.query(`UPDATE offers SET status = 'timed_out', responded_at = now(), end_reason = $2 WHERE id = $1`, [o.id, missed ? 'timeout' : 'timeout_answered']);
    const t = await tx.query(
      `UPDATE agents SET consecutive_timeouts = CASE WHEN $2 THEN consecutive_timeouts + 1 ELSE 0 END WHERE id = $1 RETURNING consecutive_timeouts`,
      [o.agent_id, missed],
    );
    await writeCaseEvent(tx, { caseId: o.case_id, type: 'timed_out', agentId: o.agent_id, data: { offerId: o.id, ...(missed ? {} : { answered: true }) } });
    await requeueInTx(tx, o.case_id, { after: 'timed_out', offerId: o.id }, fx);
    fx.rescinded.push({ agentId: o.agent_id, offerId: o.id, caseId: o.case_id, reason: 'timeout' });
    fx.presence.push(o.agent_id);
    fx.cooldown = true;
    if (absent && agent?.presence === 'available' && t.rows[0].consecutive_timeouts >= settings.awayAfterTimeouts) {
      await setPresenceInTx(tx, o.agent_id, 'away', 'missed_offers', fx);
    }
  });
  await applyEffects(deps, fx);
  return null;
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
