/**
 * After-call work (wrap-up): when an agent's call ends or a chat they held ends (solved or closed), the
 * agent is in wrap-up for the case's queue's `wrap_up_seconds` (0: no wrap-up). The router offers them
 * nothing meanwhile (the matching state counts only Available agents), and they are Available again when
 * they click Ready (`setPresence(…, 'available')`) or the time is up: a delayed `router-events` job,
 * with the routers' sweep as the safety net. The time spent counts in the case's handle time (AHT):
 * leaving wrap-up writes a `wrap_up` case event (lifecycle/presence.ts).
 */
import type { RoutingDeps } from './deps.js';
import { lockAgent } from './assignment.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { setPresenceInTx, LIVE_CHANNELS, type PresenceReason } from './presence.js';
import { withRetryingTx } from './tx.js';
import { bestEffort } from '../lib/best-effort.js';

/** Calls and chats: the work that is followed by after-call work (written cases are not). */
export const isLiveChannel = (channel: string): boolean => (LIVE_CHANNELS as readonly string[]).includes(channel);

/**
 * Puts the agent in wrap-up for the case, if its queue has a wrap-up time, the case is live work (call or
 * chat), the agent is Available (an Away or Offline agent stays so) and has not wrapped this case up
 * before (a call's case solved after the call's wrap-up does not start a second one). Effects go to `fx`.
 */
async function startWrapUp(deps: RoutingDeps, agentId: number, caseId: number, reason: PresenceReason, fx: Effects): Promise<boolean> {
  return withRetryingTx(deps.db, async (tx) => {
    const c = await tx.query(
      `SELECT q.wrap_up_seconds, c.channel,
              -- the case's own events only: with the type in WHERE the planner may AND in the (type, time) index,
              -- which reads every wrap-up of every case
              COALESCE((SELECT bool_or(e.type = 'wrap_up' AND e.agent_id = $2) FROM case_events e WHERE e.case_id = c.id), false) AS done
         FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = $1`,
      [caseId, agentId],
    );
    const row = c.rows[0];
    if (!row || row.wrap_up_seconds <= 0 || row.done || !isLiveChannel(row.channel)) return false;
    const a = await lockAgent(tx, agentId);
    if (!a || a.presence !== 'available') return false;
    return setPresenceInTx(tx, agentId, 'wrap_up', reason, fx, { wrapUp: { caseId, seconds: row.wrap_up_seconds } });
  });
}

/**
 * `startWrapUp` with its effects applied. The work that ended (a status change, a call's end) is committed
 * already and stands whatever happens here: a failure is logged, not the caller's.
 * `known`: the case's channel and its queue's wrap-up time as the caller's transaction read them (0 when
 * it has no queue); with no wrap-up time or written work there is nothing to start, and nothing is read.
 */
export async function enterWrapUp(
  deps: RoutingDeps,
  agentId: number,
  caseId: number,
  reason: PresenceReason,
  known?: { wrapUpSeconds: number; channel: string },
): Promise<boolean> {
  if (known && (known.wrapUpSeconds <= 0 || !isLiveChannel(known.channel))) return false;
  const fx = noEffects();
  const started = await bestEffort(startWrapUp(deps, agentId, caseId, reason, fx), deps.log, "starting an agent's wrap-up");
  if (started) await applyEffects(deps, fx);
  return started === true;
}

/**
 * The wrap-up timer fired: the agent is Available again if still in wrap-up and its time is up. Returns
 * the milliseconds left when it fired early (the caller schedules it again), else null.
 */
export async function endWrapUpIfDue(deps: RoutingDeps, agentId: number): Promise<number | null> {
  const fx = noEffects();
  const left = await withEffectsTx(deps.db, fx, async (tx) => {
    const a = await lockAgent(tx, agentId);
    if (!a || a.presence !== 'wrap_up') return null;
    const r = await tx.query(`SELECT greatest(0, extract(epoch FROM wrap_up_until - now()) * 1000)::int AS ms FROM agents WHERE id = $1`, [agentId]);
    const ms: number | null = r.rows[0]?.ms ?? 0;
    if (ms) return ms;
    await setPresenceInTx(tx, agentId, 'available', 'wrap_up_ended', fx);
    return null;
  });
  await applyEffects(deps, fx);
  return left;
}

/** Safety net for lost timers (run by the routers' sweep): ends every wrap-up whose time is up. Returns how many. */
export async function endOverdueWrapUps(deps: RoutingDeps): Promise<number> {
  const r = await deps.db.query(`SELECT id FROM agents WHERE presence = 'wrap_up' AND wrap_up_until <= now() ORDER BY wrap_up_until LIMIT 100`);
  let ended = 0;
  for (const row of r.rows) if ((await endWrapUpIfDue(deps, row.id)) === null) ended++;
  return ended;
}
