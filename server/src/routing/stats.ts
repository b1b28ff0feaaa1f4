/** Live figures for supervisors: per queue (waiting, offered, held, oldest wait) and per agent (presence, load). */
import type { Queryable } from '../db/pool.js';
import { SNAPSHOT_XMIN, watermarkOf, writtenSince } from '../db/xmin-watermark.js';
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

/** Per agent: how busy, what is offered, and what an offline agent still holds. */
const AGENT_STATS_COLUMNS = `a.id, a.name, a.active, a.presence, a.break_reason_id, a.wrap_up_until, ar.capacity, a.presence_changed_at, ar.used,
            (SELECT count(*) FROM offers o WHERE o.agent_id = a.id AND o.status = 'pending')::int AS pending_offers,
            CASE WHEN a.presence = 'offline'
                 THEN (SELECT count(*) FROM cases c WHERE c.assignee_id = a.id AND c.status IN ('new', 'open', 'pending'))::int
                 ELSE 0 END AS held_offline`;

export async function agentStats(db: Queryable): Promise<AgentStats[]> {
  const r = await db.query(`SELECT ${AGENT_STATS_COLUMNS} FROM agents a LEFT JOIN agent_routing ar ON ar.agent_id = a.id WHERE a.active ORDER BY a.name, a.id`);
  return r.rows.map(agentStatsOfRow);
}

export interface AgentStatsChanges {
  /** agents whose figures may have changed (active ones), or every active agent on a full read */
  agents: AgentStats[];
  /** agents deactivated since the last read */
  deactivated: number[];
  /** the watermark to pass next time (snapshot xmin, 32-bit transaction id space) */
  since: number;
}

/**
 * The agents whose row or matching state was written since `since` (null: all active agents). Every
 * change of an agent's figures writes one of the two rows: presence, break reason and wrap-up are on
 * `agents`; load, pending offers and held cases reach `agent_routing` through its triggers (migration
 * 0901), and each is found by a read from the watermark (db/xmin-watermark.ts, as the router's matching
 * state is). With 1,000 agents a wallboard push reads a handful of rows instead of all of them.
 */
export async function agentStatsSince(db: Queryable, since: number | null): Promise<AgentStatsChanges> {
  const r = await db.query(
    `SELECT ${AGENT_STATS_COLUMNS}, ${SNAPSHOT_XMIN} AS snap_xmin
       FROM agents a LEFT JOIN agent_routing ar ON ar.agent_id = a.id
      WHERE ${since == null ? 'a.active' : `${writtenSince('a', '$1')} OR ${writtenSince('ar', '$1')}`}`,
    since == null ? [] : [since],
  );
  return {
    agents: r.rows.filter((x) => x.active).map(agentStatsOfRow),
    deactivated: r.rows.filter((x) => !x.active).map((x) => Number(x.id)),
    since: await watermarkOf(db, r.rows),
  };
}

interface AgentStatsRow {
  id: number;
  name: string;
  presence: AgentStats['presence'];
  break_reason_id: string | number | null;
  wrap_up_until: Date | null;
  capacity: Record<string, number> | null;
  used: Record<string, unknown> | null;
  presence_changed_at: Date;
  pending_offers: number;
  held_offline: number;
}

function agentStatsOfRow(x: AgentStatsRow): AgentStats {
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
}
