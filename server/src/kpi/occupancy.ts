import type { Queryable } from '../db/pool.js';

export interface AgentOccupancy {
  agentId: number;
  name: string;
  /** seconds holding at least one case */
  busySeconds: number;
  /** seconds Available or holding a case */
  staffedSeconds: number;
  /** busy ÷ staffed; null when the agent was never staffed in the window */
  occupancy: number | null;
}

/**
 * Occupancy = time busy with cases ÷ time Available or busy, per agent, within [from, to).
 * Presence comes from agent_presence_log (each row lasts until the agent's next row);
 * a case keeps its agent busy from 'assigned' until it is solved, closed, unassigned or
 * assigned to someone else. Overlapping cases count once (multiranges).
 */
export async function occupancyByAgent(db: Queryable, from: Date, to: Date): Promise<AgentOccupancy[]> {
  const r = await db.query(
    `WITH win AS (SELECT tstzmultirange(tstzrange($1::timestamptz, $2::timestamptz)) AS w),
     presence AS (
       SELECT agent_id, presence,
              tstzrange(started_at, COALESCE(lead(started_at) OVER (PARTITION BY agent_id ORDER BY started_at, id), now())) AS r
         FROM agent_presence_log
     ),
     available AS (SELECT agent_id, range_agg(r) AS m FROM presence WHERE presence = 'available' AND NOT isempty(r) GROUP BY agent_id),
     held AS (
       SELECT e.agent_id,
              tstzrange(e.created_at, COALESCE((
                SELECT min(x.created_at) FROM case_events x
                 WHERE x.case_id = e.case_id AND x.id > e.id
                   AND x.type IN ('solved', 'closed', 'unassigned', 'assigned', 'merged')), now())) AS r
         FROM case_events e
        WHERE e.type = 'assigned' AND e.agent_id IS NOT NULL
     ),
     busy AS (SELECT agent_id, range_agg(r) AS m FROM held WHERE NOT isempty(r) GROUP BY agent_id),
     per_agent AS (
       SELECT a.id, a.name,
              COALESCE(b.m, '{}'::tstzmultirange) * win.w AS busy,
              (COALESCE(av.m, '{}'::tstzmultirange) + COALESCE(b.m, '{}'::tstzmultirange)) * win.w AS staffed
         FROM agents a CROSS JOIN win
         LEFT JOIN available av ON av.agent_id = a.id
         LEFT JOIN busy b ON b.agent_id = a.id
     )
     SELECT id, name,
            (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(busy) x) AS busy_seconds,
            (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(staffed) x) AS staffed_seconds
       FROM per_agent ORDER BY name`,
    [from, to],
  );
  return r.rows.map((x) => {
    const busySeconds = Number(x.busy_seconds);
    const staffedSeconds = Number(x.staffed_seconds);
    return { agentId: x.id, name: x.name, busySeconds, staffedSeconds, occupancy: staffedSeconds > 0 ? busySeconds / staffedSeconds : null };
  });
}
