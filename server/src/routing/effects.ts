import type { RescindReason } from '../contracts/realtime.js';
import { enqueueCase } from './enqueue.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { caseRoom, emitCaseUpdated, emitPresence, emitRescinded } from './notify.js';
import { removeFromRoutingQueue, requestMatch } from './signals.js';

/**
 * What a committed routing transaction leaves to do on Redis and sockets. Collected inside the
 * transaction, applied after commit, so a rolled-back decision never reaches an agent's screen.
 */
export interface Effects {
  requeued: number[];
  /** waiting cases whose priority changed: their routing job is replaced */
  reprioritised: number[];
  dequeued: number[];
  rescinded: { agentId: number; offerId: string; caseId: number; reason: RescindReason }[];
  presence: number[];
  caseUpdates: { caseId: number; event: string; agentIds: number[] }[];
  rooms: { agentId: number; caseId: number; action: 'join' | 'leave' }[];
  assigned: { caseId: number; agentId: number }[];
  /** run a match pass now; `cooldown`: once more when refused agents may be offered the case again */
  match: boolean;
  cooldown: boolean;
}

export const noEffects = (): Effects => ({
  requeued: [],
  reprioritised: [],
  dequeued: [],
  rescinded: [],
  presence: [],
  caseUpdates: [],
  rooms: [],
  assigned: [],
  match: false,
  cooldown: false,
});

export async function applyEffects(deps: RoutingDeps, e: Effects): Promise<void> {
  const settings = settingsOf(deps);
  for (const caseId of e.reprioritised) {
    await removeFromRoutingQueue(deps.queues, caseId);
    if (!e.requeued.includes(caseId)) await enqueueCase(deps.db, deps.queues.routing, caseId, 'escalation', deps.log);
  }
  for (const caseId of e.requeued) await enqueueCase(deps.db, deps.queues.routing, caseId, 'requeue', deps.log);
  for (const caseId of e.dequeued) await removeFromRoutingQueue(deps.queues, caseId);
  if (e.match || e.requeued.length || e.reprioritised.length) await requestMatch(deps.queues, 'effects');
  if (e.cooldown) await requestMatch(deps.queues, 'cooldown', settings.reofferCooldownMs + 50);
  for (const a of e.assigned) {
    await deps.queues.lifecycle.add('assigned', { type: 'assigned', caseId: a.caseId, agentId: a.agentId }).then(() => undefined, () => undefined);
  }
  await Promise.all([
    ...e.rescinded.map((r) => emitRescinded(deps, r.agentId, r.offerId, r.caseId, r.reason)),
    ...e.rooms.map((r) => caseRoom(deps, r.agentId, r.caseId, r.action)),
  ]);
  for (const u of e.caseUpdates) await emitCaseUpdated(deps, u.caseId, u.event, u.agentIds);
  await Promise.all([...new Set(e.presence)].map((a) => emitPresence(deps, a)));
}
