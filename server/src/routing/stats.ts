/** Live figures for supervisors: per queue (waiting, offered, held, oldest wait) and per agent (presence, load). */
import type { Queryable } from '../db/pool.js';
import type { AgentStats, QueueStats } from '../contracts/realtime.js';
import { isBusy, loadOfRow, loadView } from './load.js';

export async function queueStats(db: Queryable): Promise<QueueStats[]> {
  const r = await db.query(
    // Only live cases are read, each part through a partial index (waiting cases, pending offers, held
    // cases): supervisors' figures are refreshed every second and must not scan the case history.
    `WITH live AS (
       SELECT c.queue_id, 'waiting' AS kind, c.first_queued_at, NULL::bigint AS assignee_id FROM cases c WHERE c.routing_state = 'waiting'
       UNION ALL
       SELECT c.queue_id, 'offered', c.first_queued_at, NULL FROM offers o JOIN cases c ON c.id = o.case_id WHERE o.status = 'pending'
       UNION ALL
       SELECT c.queue_id, 'assigned', NULL, c.assignee_id FROM cases c WHERE c.assignee_id IS NOT NULL AND c.status IN ('new', 'open', 'pending')
     ), per_queue AS (
       SELECT l.queue_id,
              count(*) FILTER (WHERE l.kind = 'waiting')::int AS waiting,
              count(*) FILTER (WHERE l.kind = 'offered')::int AS offered,
              count(*) FILTER (WHERE l.kind = 'assigned')::int AS assigned,
              count(*) FILTER (WHERE l.kind = 'assigned' AND h.presence = 'offline')::int AS held_by_offline,
              COALESCE(max(EXTRACT(EPOCH FROM (now() - l.first_queued_at))) FILTER (WHERE l.kind IN ('waiting', 'offered')), 0)::int AS oldest,
              min(l.first_queued_at) FILTER (WHERE l.kind IN ('waiting', 'offered')) AS oldest_since
         FROM live l LEFT JOIN agents h ON h.id = l.assignee_id
        GROUP BY l.queue_id
     ), available AS (
       SELECT m.queue_id, count(*)::int AS n FROM queue_members m JOIN agent_routing ar ON ar.agent_id = m.agent_id AND ar.available GROUP BY m.queue_id
     )
     SELECT q.id AS queue_id, q.name, COALESCE(p.waiting, 0) AS waiting, COALESCE(p.offered, 0) AS offered, COALESCE(p.assigned, 0) AS assigned,
            COALESCE(p.held_by_offline, 0) AS held_by_offline, COALESCE(p.oldest, 0) AS oldest, p.oldest_since, COALESCE(av.n, 0) AS available
       FROM queues q LEFT JOIN per_queue p ON p.queue_id = q.id LEFT JOIN available av ON av.queue_id = q.id
      ORDER BY q.name`,
  );
  return r.rows.map((x) => ({
    queueId: x.queue_id,
    name: x.name,
    waiting: x.waiting,
    offered: x.offered,
    assigned: x.assigned,
    heldByOffline: x.held_by_offline,
    oldestWaitingSeconds: x.oldest,
    oldestWaitingSince: x.oldest_since ? new Date(x.oldest_since).toISOString() : null,
    availableAgents: x.available,
  }));
}

export async function agentStats(db: Queryable): Promise<AgentStats[]> {
  const r = await db.query(
    `SELECT a.id, a.name, a.presence, a.break_reason_id, a.wrap_up_until, ar.capacity, a.presence_changed_at, ar.used,
            COALESCE(po.n, 0) AS pending_offers,
            CASE WHEN a.presence = 'offline' THEN COALESCE(held.n, 0) ELSE 0 END AS held_offline
       FROM agents a
       LEFT JOIN agent_routing ar ON ar.agent_id = a.id
       LEFT JOIN (SELECT agent_id, count(*)::int AS n FROM offers WHERE status = 'pending' GROUP BY agent_id) po ON po.agent_id = a.id
       LEFT JOIN (SELECT assignee_id, count(*)::int AS n FROM cases WHERE assignee_id IS NOT NULL AND status IN ('new', 'open', 'pending') GROUP BY assignee_id) held
              ON held.assignee_id = a.id
      WHERE a.active ORDER BY a.name, a.id`,
  );
  return r.rows.map((x) => {
    const load = loadOfRow(x);
    return {
      agentId: x.id,
      name: x.name,
      presence: x.presence,
      busy: isBusy(load),
      load: loadView(load),
      pendingOffers: x.pending_offers,
      presenceSince: new Date(x.presence_changed_at).toISOString(),
      breakReasonId: x.break_reason_id == null ? null : Number(x.break_reason_id),
      wrapUpUntil: x.wrap_up_until ? new Date(x.wrap_up_until).toISOString() : null,
      heldWhileOffline: x.held_offline,
    };
  });
}
