/**
 * Agent presence: Available, Away, Offline (Busy is derived from load, see routing/load.ts).
 * Every change is logged in agent_presence_log (occupancy KPI). Leaving Available withdraws the
 * agent's pending offers; going Offline also puts the agent's open cases back on the queue in
 * their place. Becoming Available triggers a match pass at once.
 */
import type { Tx } from '../db/pool.js';
import type { Presence } from '../contracts/channels.js';
import { writeCaseEvent } from '../db/case-events.js';
import { lockAgent } from './assignment.js';
import { applyEffects, noEffects, type Effects } from './effects.js';
import { rescindAgentOffersInTx, requeueInTx } from './rescind.js';
import { withRetryingTx } from './tx.js';
import type { RoutingDeps } from './deps.js';
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
  if (presence === 'offline') {
    const held = await tx.query(
      `SELECT id FROM cases WHERE assignee_id = $1 AND status IN ('new', 'open') ORDER BY id FOR UPDATE`,
      [agentId],
    );
    for (const c of held.rows) {
      await tx.query(`UPDATE cases SET assignee_id = NULL, last_agent_at = now(), updated_at = now() WHERE id = $1`, [c.id]);
      await writeCaseEvent(tx, { caseId: c.id, type: 'unassigned', agentId, data: { reason: 'agent_offline' } });
      await requeueInTx(tx, c.id, { after: 'agent_offline', agentId }, fx);
      fx.rooms.push({ agentId, caseId: c.id, action: 'leave' });
    }
  }
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
