/**
 * Agent presence: Available, Away, Offline (Busy is derived from load, see routing/load.ts).
 * Every change is logged in agent_presence_log (occupancy KPI). Leaving Available withdraws the
 * agent's pending offers; going Offline also puts the agent's open cases back on the queue in
 * their place. Becoming Available triggers a match pass at once.
 */
import type { Tx } from '../db/pool.js';
import type { Presence } from '../contracts/vocabulary.js';
import { writeCaseEvent } from '../db/case-events.js';
import { lockAgent } from './assignment.js';
import { applyEffects, noEffects, type Effects } from './effects.js';
import { rescindAgentOffersInTx, requeueInTx } from './rescind.js';
import { withRetryingTx } from './tx.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { presencePayload } from '../routing/load.js';
import type { PresencePayload } from '../contracts/realtime.js';

export type PresenceReason = 'agent' | 'supervisor' | 'disconnected' | 'missed_offers' | 'login' | 'logout' | string;

/** Caller holds the agent row lock. Returns whether anything changed. */
export async function setPresenceInTx(tx: Tx, agentId: number, presence: Presence, reason: PresenceReason, fx: Effects): Promise<boolean> {
  const cur = await tx.query(`SELECT presence FROM agents WHERE id = $1`, [agentId]);
  if (!cur.rowCount || cur.rows[0].presence === presence) return false;
  await tx.query(
    `UPDATE agents SET presence = $2, presence_changed_at = now(), updated_at = now(),
            idle_since = CASE WHEN $2 = 'available' THEN now() ELSE idle_since END,
            consecutive_timeouts = CASE WHEN $2 = 'available' THEN 0 ELSE consecutive_timeouts END
      WHERE id = $1`,
    [agentId, presence],
  );
  await tx.query(`INSERT INTO agent_presence_log (agent_id, presence, reason) VALUES ($1, $2, $3)`, [agentId, presence, reason]);
  fx.presence.push(agentId);
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
): Promise<{ changed: boolean; presence: PresencePayload }> {
  const fx = noEffects();
  const changed = await withRetryingTx(deps.db, async (tx) => {
    const a = await lockAgent(tx, agentId);
    if (!a) return false;
    return setPresenceInTx(tx, agentId, presence, reason, fx);
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
    released += await withRetryingTx(deps.db, async (tx) => {
      const a = await lockAgent(tx, row.id);
      if (!a) return 0;
      const still = await tx.query(`SELECT 1 FROM agents WHERE id = $1 AND presence = 'offline' AND presence_changed_at < now() - make_interval(mins => $2)`, [row.id, minutes]);
      return still.rowCount ? releaseHeldCasesInTx(tx, row.id, null, fx) : 0;
    });
    await applyEffects(deps, fx);
  }
  return released;
}
