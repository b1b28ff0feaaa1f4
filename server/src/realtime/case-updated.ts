import type { Queryable } from '../db/pool.js';
import { NAMESPACES, rooms, type CaseUpdatedPayload, type RealtimeEnvelope } from '../contracts/realtime.js';

/** What `case:updated` tells of a case, as its row has it (e.g. an UPDATE's RETURNING). */
export interface CaseUpdatedRow {
  status: CaseUpdatedPayload['status'];
  priority: CaseUpdatedPayload['priority'];
  assignee_id: number | null;
  routing_state: string;
  queue_id: number | null;
}

type EnvelopeOpts = { event?: string; agentIds?: readonly (number | null | undefined)[] };

/**
 * The one builder of `case:updated`: the case's current status, priority, assignee, routing state and
 * queue, to the case room, its assignee and any other agents named (e.g. the one it was taken from).
 * Null when the case does not exist (any more).
 */
export async function caseUpdatedEnvelope(db: Queryable, caseId: number, opts: EnvelopeOpts = {}): Promise<RealtimeEnvelope | null> {
  const r = await db.query(`SELECT status, priority, assignee_id, routing_state, queue_id FROM cases WHERE id = $1`, [caseId]);
  const c = r.rows[0] as CaseUpdatedRow | undefined;
  return c ? caseUpdatedEnvelopeOf(caseId, c, opts) : null;
}

/** `case:updated` from a row the caller already has (a transaction that wrote it last), without reading the case again. */
export function caseUpdatedEnvelopeOf(caseId: number, c: CaseUpdatedRow, opts: EnvelopeOpts = {}): RealtimeEnvelope {
  const payload: CaseUpdatedPayload = {
    caseId,
    status: c.status,
    priority: c.priority,
    assigneeId: c.assignee_id,
    routingState: c.routing_state,
    queueId: c.queue_id,
    ...(opts.event ? { event: opts.event } : {}),
  };
  const agents = new Set([c.assignee_id, ...(opts.agentIds ?? [])].filter((a): a is number => typeof a === 'number'));
  return { nsp: NAMESPACES.agent, room: [rooms.case(caseId), ...[...agents].map(rooms.agent)], event: 'case:updated', payload };
}
