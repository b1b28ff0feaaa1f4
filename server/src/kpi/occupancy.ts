import type { Queryable } from '../db/pool.js';
import { withReportConnection } from './report-filter.js';

export interface AgentOccupancy {
  agentId: number;
  name: string;
  /** seconds holding at least one case */
  busySeconds: number;
  /** seconds Available or holding a case */
  staffedSeconds: number;
  /** busy ÷ staffed; null when the agent was never staffed in the window */
  occupancy: number | null;
  /** of busySeconds: in after-call work (wrap-up) */
  wrapUpSeconds: number;
  /** Away time per break reason id ("none": no reason given) */
  breakSeconds: Record<string, number>;
}

/**
 * Occupancy = time busy with cases or in after-call work (wrap-up) ÷ time Available or busy, per agent, within [from, to).
 * Break time per reason (Away rows of the log, by their break reason) is the adherence data beside it.
 * Presence comes from agent_presence_log (each row lasts until the agent's next row): only the rows
 * inside the window and each agent's last row before it are read (agent_presence_log_agent_idx).
 * Busy comes from assignment_spans (migration 1521: from an 'assigned' event until the case is solved,
 * closed, unassigned, merged or assigned to someone else), only the spans overlapping the window
 * (assignment_spans_time_idx). Overlapping cases count once (multiranges).
 */
export async function occupancyByAgent(db: Queryable, from: Date, to: Date, agentId?: number): Promise<AgentOccupancy[]> {
  const r = await withReportConnection(db, (q) =>
    q.query(
      `WITH win AS (SELECT tstzmultirange(tstzrange($1::timestamptz, $2::timestamptz)) AS w),
       staff AS (SELECT a.id, a.name FROM agents a WHERE $3::bigint IS NULL OR a.id = $3),
       presence AS (
         SELECT l.agent_id, l.presence, l.break_reason_id,
                tstzrange(l.started_at, COALESCE(lead(l.started_at) OVER (PARTITION BY l.agent_id ORDER BY l.started_at, l.id), greatest(now(), l.started_at))) AS r
           FROM staff a
           CROSS JOIN LATERAL (SELECT coalesce(max(p.started_at), '-infinity') AS s FROM agent_presence_log p WHERE p.agent_id = a.id AND p.started_at <= $1) b
           JOIN agent_presence_log l ON l.agent_id = a.id AND l.started_at >= b.s AND l.started_at < $2
       ),
       available AS (SELECT agent_id, range_agg(r) AS m FROM presence WHERE presence = 'available' AND NOT isempty(r) GROUP BY agent_id),
       wrap AS (SELECT agent_id, range_agg(r) AS m FROM presence WHERE presence = 'wrap_up' AND NOT isempty(r) GROUP BY agent_id),
       breaks AS (
         SELECT agent_id, jsonb_object_agg(reason, secs) AS by_reason
           FROM (SELECT p.agent_id, coalesce(p.break_reason_id::text, 'none') AS reason,
                        sum(extract(epoch FROM upper(p.r * tstzrange($1::timestamptz, $2::timestamptz)) - lower(p.r * tstzrange($1::timestamptz, $2::timestamptz)))) AS secs
                   FROM presence p WHERE p.presence = 'away' AND p.r && tstzrange($1::timestamptz, $2::timestamptz)
                  GROUP BY 1, 2) x
          GROUP BY agent_id
       ),
       spans AS (
         SELECT s.agent_id, range_agg(tstzrange(s.started_at, coalesce(s.ended_at, greatest(now(), s.started_at)))) AS m
           FROM assignment_spans s
          WHERE tstzrange(s.started_at, s.ended_at) && tstzrange($1::timestamptz, $2::timestamptz)
            AND ($3::bigint IS NULL OR s.agent_id = $3)
          GROUP BY s.agent_id
       ),
       -- after-call work keeps the agent busy as a case does
       busy AS (
         SELECT coalesce(s.agent_id, w.agent_id) AS agent_id, COALESCE(s.m, '{}'::tstzmultirange) + COALESCE(w.m, '{}'::tstzmultirange) AS m
           FROM spans s FULL JOIN wrap w ON w.agent_id = s.agent_id
       ),
       per_agent AS (
         SELECT a.id, a.name,
                COALESCE(b.m, '{}'::tstzmultirange) * win.w AS busy,
                (COALESCE(av.m, '{}'::tstzmultirange) + COALESCE(b.m, '{}'::tstzmultirange)) * win.w AS staffed,
                COALESCE(w.m, '{}'::tstzmultirange) * win.w AS wrap_up,
                coalesce(br.by_reason, '{}'::jsonb) AS breaks
           FROM staff a CROSS JOIN win
           LEFT JOIN available av ON av.agent_id = a.id
           LEFT JOIN busy b ON b.agent_id = a.id
           LEFT JOIN wrap w ON w.agent_id = a.id
           LEFT JOIN breaks br ON br.agent_id = a.id
       )
       SELECT id, name, breaks,
              (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(wrap_up) x) AS wrap_up_seconds,
              (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(busy) x) AS busy_seconds,
              (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(staffed) x) AS staffed_seconds
         FROM per_agent ORDER BY name, id`,
      [from, to, agentId ?? null],
    ),
  );
  return r.rows.map((x) => {
    const busySeconds = Number(x.busy_seconds);
    const staffedSeconds = Number(x.staffed_seconds);
    return {
      agentId: x.id,
      name: x.name,
      busySeconds,
      staffedSeconds,
      occupancy: staffedSeconds > 0 ? busySeconds / staffedSeconds : null,
      wrapUpSeconds: Number(x.wrap_up_seconds),
      breakSeconds: Object.fromEntries(Object.entries(x.breaks as Record<string, unknown>).map(([k, v]) => [k, Number(v)])),
    };
  });
}
