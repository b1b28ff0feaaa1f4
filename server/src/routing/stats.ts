/** Live figures for supervisors: per queue (waiting, offered, held, oldest wait) and per agent (presence, load). */
import type { Queryable } from '../db/pool.js';
import type { AgentStats, QueueStats } from '../contracts/realtime.js';
import { DEFAULT_CAPACITY, isBusy, loadView, usedOf } from './load.js';

export async function queueStats(db: Queryable): Promise<QueueStats[]> {
  const r = await db.query(
    `SELECT q.id AS queue_id, q.name,
            count(c.id) FILTER (WHERE c.routing_state = 'waiting')::int AS waiting,
            count(c.id) FILTER (WHERE c.routing_state = 'offered')::int AS offered,
            count(c.id) FILTER (WHERE c.assignee_id IS NOT NULL AND c.status IN ('new', 'open', 'pending'))::int AS assigned,
            count(c.id) FILTER (WHERE c.assignee_id IS NOT NULL AND c.status IN ('new', 'open', 'pending')
                                  AND EXISTS (SELECT 1 FROM agents h WHERE h.id = c.assignee_id AND h.presence = 'offline'))::int AS held_by_offline,
            COALESCE(max(EXTRACT(EPOCH FROM (now() - c.first_queued_at))) FILTER (WHERE c.routing_state IN ('waiting', 'offered')), 0)::int AS oldest,
            (SELECT count(*)::int FROM queue_members m JOIN agents a ON a.id = m.agent_id
              WHERE m.queue_id = q.id AND a.presence = 'available' AND a.active) AS available
       FROM queues q
       LEFT JOIN cases c ON c.queue_id = q.id AND (c.routing_state IN ('waiting', 'offered') OR (c.assignee_id IS NOT NULL AND c.status IN ('new', 'open', 'pending')))
      GROUP BY q.id ORDER BY q.name`,
  );
  return r.rows.map((x) => ({
    queueId: x.queue_id,
    name: x.name,
    waiting: x.waiting,
    offered: x.offered,
    assigned: x.assigned,
    heldByOffline: x.held_by_offline,
    oldestWaitingSeconds: x.oldest,
    availableAgents: x.available,
  }));
}

export async function agentStats(db: Queryable): Promise<AgentStats[]> {
  const r = await db.query(
    `SELECT a.id, a.name, a.presence, ar.capacity, a.presence_changed_at, ar.used,
            (SELECT count(*)::int FROM offers o WHERE o.agent_id = a.id AND o.status = 'pending') AS pending_offers,
            CASE WHEN a.presence = 'offline' THEN (SELECT count(*)::int FROM cases c WHERE c.assignee_id = a.id AND c.status IN ('new', 'open', 'pending')) ELSE 0 END AS held_offline
       FROM agents a LEFT JOIN agent_routing ar ON ar.agent_id = a.id WHERE a.active ORDER BY a.name, a.id`,
  );
  return r.rows.map((x) => {
    const used = usedOf(x.used);
    const load = { capacity: { ...DEFAULT_CAPACITY, ...(x.capacity ?? {}) }, used, onCall: (used.voice ?? 0) > 0 };
    return {
      agentId: x.id,
      name: x.name,
      presence: x.presence,
      busy: isBusy(load),
      load: loadView(load),
      pendingOffers: x.pending_offers,
      presenceSince: new Date(x.presence_changed_at).toISOString(),
      heldWhileOffline: x.held_offline,
    };
  });
}
