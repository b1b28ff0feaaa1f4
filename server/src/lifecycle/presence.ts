/**
 * Agent presence: Available, Away (with an optional break reason), Offline, and Wrap-up (after-call work,
 * entered by lifecycle/wrap-up.ts; Busy is derived from load, see routing/load.ts).
 * Every change is logged in agent_presence_log (occupancy KPI, break time per reason). Leaving Available withdraws the
 * agent's pending offers; going Offline also puts the agent's open cases back on the queue in
 * their place. Becoming Available triggers a match pass at once.
 */
import type { Tx } from '../db/pool.js';
import type { Presence } from '../contracts/vocabulary.js';
import { writeCaseEvent } from '../db/case-events.js';
import { badRequest } from '../lib/errors.js';
import { lockAgent } from './assignment.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { rescindAgentOffersInTx, requeueInTx } from './rescind.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { presencePayload } from '../routing/load.js';
import type { PresencePayload } from '../contracts/realtime.js';

export type PresenceReason = 'agent' | 'supervisor' | 'disconnected' | 'missed_offers' | 'login' | 'logout' | 'call_ended' | 'case_ended' | 'wrap_up_ended' | string;

/** What a presence carries besides its name: Away's break reason; wrap-up's case and length. */
export interface PresenceDetail {
  breakReasonId?: number | null;
  wrapUp?: { caseId: number; seconds: number };
}

/** Caller holds the agent row lock. Returns whether anything changed. */
export async function setPresenceInTx(tx: Tx, agentId: number, presence: Presence, reason: PresenceReason, fx: Effects, detail: PresenceDetail = {}): Promise<boolean> {
  const cur = await tx.query(`SELECT presence, break_reason_id, wrap_up_case_id, greatest(0, extract(epoch FROM now() - presence_changed_at))::float8 AS in_state_seconds FROM agents WHERE id = $1`, [agentId]);
  const breakReasonId = presence === 'away' ? (detail.breakReasonId ?? null) : null;
  if (!cur.rowCount) return false;
  if (breakReasonId !== null) {
    const ok = await tx.query(`SELECT 1 FROM break_reasons WHERE id = $1 AND active`, [breakReasonId]);
    if (!ok.rowCount) throw badRequest('no such break reason', [{ field: 'breakReasonId', reason: 'not an active break reason' }]);
  }
  const before = cur.rows[0];
  if (before.presence === presence && (before.break_reason_id === null ? null : Number(before.break_reason_id)) === breakReasonId) return false;
  // the after-call work just ended counts in the case's handle time (AHT): one event per wrap-up, kept in case_facts
  if (before.presence === 'wrap_up' && before.wrap_up_case_id) {
    await writeCaseEvent(tx, {
      caseId: before.wrap_up_case_id,
      type: 'wrap_up',
      agentId,
      data: { seconds: before.in_state_seconds, endedBy: reason },
    });
  }
  const wrapUp = presence === 'wrap_up' ? detail.wrapUp : undefined;
  await tx.query(
    `UPDATE agents SET presence = $2, presence_changed_at = now(), updated_at = now(),
            idle_since = CASE WHEN $2 = 'available' THEN now() ELSE idle_since END,
            consecutive_timeouts = CASE WHEN $2 = 'available' THEN 0 ELSE consecutive_timeouts END,
            break_reason_id = $3, wrap_up_case_id = $4,
            wrap_up_until = CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(secs => $5::int) END
      WHERE id = $1`,
    [agentId, presence, breakReasonId, wrapUp?.caseId ?? null, wrapUp?.seconds ?? null],
  );
  await tx.query(`INSERT INTO agent_presence_log (agent_id, presence, reason, break_reason_id, case_id) VALUES ($1, $2, $3, $4, $5)`, [
    agentId,
    presence,
    reason,
    breakReasonId,
    wrapUp?.caseId ?? null,
  ]);
  fx.presence.push(agentId);
  if (wrapUp) fx.wrapUpTimers.push({ agentId, delayMs: wrapUp.seconds * 1000 });
  if (presence !== 'available') await rescindAgentOffersInTx(tx, agentId, 'agent_unavailable', fx);
  // Live work (a call, a chat a customer is waiting in) cannot wait for the agent: it goes back to the
  // queue now. Written cases (email, SMS, portal, API) stay with the agent through a short absence;
  // releaseLongOfflineAssignments() hands them back after ASSIGNMENT_KEEP_OFFLINE_MINUTES.
  if (presence === 'offline') await releaseHeldCasesInTx(tx, agentId, LIVE_CHANNELS, fx);
  if (presence === 'available') fx.match = true;
  return true;
}

/** Sets an agent's presence and applies what follows (offers withdrawn, match pass, socket updates). */
export async function setPresence(
  deps: RoutingDeps,
  agentId: number,
  presence: Presence,
  reason: PresenceReason = 'agent',
  detail: PresenceDetail = {},
): Promise<{ changed: boolean; presence: PresencePayload }> {
  const fx = noEffects();
  const changed = await withEffectsTx(deps.db, fx, async (tx) => {
    const a = await lockAgent(tx, agentId);
    if (!a) return false;
    return setPresenceInTx(tx, agentId, presence, reason, fx, detail);
  });
  await applyEffects(deps, fx);
  return { changed, presence: await presencePayload(deps.db, agentId) };
}

/** Channels where a customer is waiting on the line right now. */
export const LIVE_CHANNELS = ['voice', 'chat'] as const;

/** Puts an agent's open cases on `channels` (all when null) back on the queue in their place. Caller holds the agent row lock. */
export async function releaseHeldCasesInTx(tx: Tx, agentId: number, channels: readonly string[] | null, fx: Effects): Promise<number> {
  const held = await tx.query(
    `SELECT id FROM cases WHERE assignee_id = $1 AND status IN ('new', 'open') AND ($2::text[] IS NULL OR channel = ANY($2)) ORDER BY id FOR UPDATE`,
    [agentId, channels],
  );
  for (const c of held.rows) {
    await tx.query(`UPDATE cases SET assignee_id = NULL, last_agent_at = now(), updated_at = now() WHERE id = $1`, [c.id]);
    await writeCaseEvent(tx, { caseId: c.id, type: 'unassigned', agentId, data: { reason: 'agent_offline' } });
    await requeueInTx(tx, c.id, { after: 'agent_offline', agentId }, fx);
    fx.rooms.push({ agentId, caseId: c.id, action: 'leave' });
  }
  return held.rowCount ?? 0;
}

/**
 * Written cases held by agents who have been Offline longer than ASSIGNMENT_KEEP_OFFLINE_MINUTES go
 * back to the queue (run by the routers' sweep). Returns how many cases were released.
 */
export async function releaseLongOfflineAssignments(deps: RoutingDeps): Promise<number> {
  const minutes = settingsOf(deps).assignmentKeepOfflineMinutes;
  const r = await deps.db.query(
    `SELECT DISTINCT a.id FROM agents a JOIN cases c ON c.assignee_id = a.id AND c.status IN ('new', 'open')
      WHERE a.presence = 'offline' AND a.presence_changed_at < now() - make_interval(mins => $1) LIMIT 100`,
    [minutes],
  );
  let released = 0;
  for (const row of r.rows) {
    const fx = noEffects();
    released += await withEffectsTx(deps.db, fx, async (tx) => {
      const a = await lockAgent(tx, row.id);
      if (!a) return 0;
      const still = await tx.query(`SELECT 1 FROM agents WHERE id = $1 AND presence = 'offline' AND presence_changed_at < now() - make_interval(mins => $2)`, [row.id, minutes]);
      return still.rowCount ? releaseHeldCasesInTx(tx, row.id, null, fx) : 0;
    });
    await applyEffects(deps, fx);
  }
  return released;
}
