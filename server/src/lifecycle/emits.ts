import type { Queryable } from '../db/pool.js';
import { NAMESPACES, rooms, type OfferPayload, type OfferRescindedPayload, type PresencePayload, type RescindReason } from '../contracts/realtime.js';
import { emitterOf, type RoutingDeps } from './deps.js';
import { presencePayload } from '../routing/load.js';
import { bestEffort } from '../lib/best-effort.js';
import { caseUpdatedEnvelope, caseUpdatedEnvelopeOf, type CaseUpdatedRow } from '../realtime/case-updated.js';
import { nudgeViewCounts } from '../realtime/view-counts.js';

/** Builds the `offer` event from Postgres so a re-issued offer looks exactly like the first one. */
export async function offerPayload(db: Queryable, offerId: string): Promise<OfferPayload | null> {
  const r = await db.query(
    `SELECT o.id, o.expires_at, c.id AS case_id, c.number, c.subject, c.channel, c.priority, c.type,
            q.id AS queue_id, q.name AS queue_name,
            GREATEST(0, EXTRACT(EPOCH FROM (now() - COALESCE(c.first_queued_at, c.created_at))))::int AS waiting_seconds,
            cu.id AS customer_id, cu.name AS customer_name, cu.tier
       FROM offers o JOIN cases c ON c.id = o.case_id JOIN customers cu ON cu.id = c.customer_id
       LEFT JOIN queues q ON q.id = c.queue_id
      WHERE o.id = $1`,
    [offerId],
  );
  const x = r.rows[0];
  if (!x) return null;
  return {
    offerId: x.id,
    expiresAt: new Date(x.expires_at).toISOString(),
    case: {
      id: x.case_id,
      number: x.number,
      subject: x.subject,
      channel: x.channel,
      priority: x.priority,
      type: x.type,
      queue: x.queue_id ? { id: x.queue_id, name: x.queue_name } : null,
      waitingSeconds: x.waiting_seconds,
    },
    customer: { id: x.customer_id, name: x.customer_name, tier: x.tier },
  };
}

export async function emitOffer(deps: RoutingDeps, agentId: number, offerId: string): Promise<void> {
  const payload = await offerPayload(deps.db, offerId);
  if (payload) await emitterOf(deps).emit({ nsp: NAMESPACES.agent, room: rooms.agent(agentId), event: 'offer', payload });
}

export async function emitRescinded(deps: RoutingDeps, agentId: number, offerId: string, caseId: number, reason: RescindReason): Promise<void> {
  const payload: OfferRescindedPayload = { offerId, caseId, reason };
  await emitterOf(deps).emit({ nsp: NAMESPACES.agent, room: rooms.agent(agentId), event: 'offer:rescinded', payload });
}

/** `ready`: the payload as the transition's own statement returned it; otherwise read now. */
export async function emitPresence(deps: RoutingDeps, agentId: number, ready?: PresencePayload): Promise<void> {
  const payload = ready ?? (await bestEffort(presencePayload(deps.db, agentId), deps.log, 'reading presence for its event'));
  if (payload) await emitterOf(deps).emit({ nsp: NAMESPACES.agent, room: rooms.agent(agentId), event: 'presence', payload });
}

/**
 * Tells the case room and the named agents that the case changed (assignment, status, queue). `row`: the
 * case as the committed transaction left it, when that transaction knew it (saves reading the case again).
 */
export async function emitCaseUpdated(
  deps: RoutingDeps,
  caseId: number,
  event: string,
  agentIds: (number | null | undefined)[] = [],
  row?: CaseUpdatedRow,
): Promise<void> {
  const e = row ? caseUpdatedEnvelopeOf(caseId, row, { event, agentIds }) : await caseUpdatedEnvelope(deps.db, caseId, { event, agentIds });
  if (e) {
    await emitterOf(deps).emit(e);
    nudgeViewCounts(emitterOf(deps));
  }
}

/** Makes the agent's sockets (on any node) join or leave the case room, through a server node. */
export async function caseRoom(deps: RoutingDeps, agentId: number, caseId: number, action: 'join' | 'leave'): Promise<void> {
  const direct = deps.realtime?.caseRoom;
  if (direct) return direct(agentId, caseId, action);
  await bestEffort(deps.queues.agentSockets.add('room', { type: 'room', agentId, caseId, action }), deps.log, `${action === 'join' ? 'joining' : 'leaving'} a case room`);
}
