-- The report rollups (1521) are derived from case_events in two places: report_rollups_rebuild() for every
-- case and report_rollups_recompute_case() for one, each with its own copy of the same two statements, so a
-- change to what a fact means had to be made twice. The derivation is now written once, as two views; the
-- rebuild reads them whole and the per-case recompute reads them for one case (the case_id condition is
-- pushed down into the views' grouping and window, both per case, so it reads that case's events only).
-- The wrap-up totals (1601) are part of the same derivation; 1601's wrappers around the 1521 functions go.

CREATE VIEW report_case_facts_derived AS
SELECT g.case_id, g.queued_at, g.accepted_at, g.accepted_agent_id, g.abandoned_at, g.first_solved_at,
       (SELECT min(r.created_at) FROM case_events r WHERE r.case_id = g.case_id AND r.type = 'reopened' AND r.created_at >= g.first_solved_at) AS reopened_at,
       g.handler_id, g.handler_event_id, g.wrap_up_seconds
  FROM (SELECT e.case_id,
               min(e.created_at) FILTER (WHERE e.type = 'queued') AS queued_at,
               min(e.created_at) FILTER (WHERE e.type = 'accepted') AS accepted_at,
               (array_agg(e.agent_id ORDER BY e.created_at, e.id) FILTER (WHERE e.type = 'accepted'))[1] AS accepted_agent_id,
               min(e.created_at) FILTER (WHERE e.type = 'abandoned') AS abandoned_at,
               min(e.created_at) FILTER (WHERE e.type = 'solved') AS first_solved_at,
               (array_agg(e.agent_id ORDER BY e.id DESC) FILTER (WHERE e.type IN ('accepted', 'assigned') AND e.agent_id IS NOT NULL))[1] AS handler_id,
               max(e.id) FILTER (WHERE e.type IN ('accepted', 'assigned') AND e.agent_id IS NOT NULL) AS handler_event_id,
               coalesce(sum(coalesce((e.data->>'seconds')::numeric, 0)) FILTER (WHERE e.type = 'wrap_up'), 0) AS wrap_up_seconds
          FROM case_events e
         WHERE e.type IN ('queued', 'accepted', 'abandoned', 'solved', 'reopened', 'assigned', 'wrap_up')
         GROUP BY e.case_id) g;

-- An 'assigned' event holds the case until the case's next event of these types (open: ended_at NULL).
CREATE VIEW report_assignment_spans_derived AS
SELECT id AS start_event_id, case_id, agent_id, created_at AS started_at, CASE WHEN next_at IS NOT NULL THEN GREATEST(next_at, created_at) END AS ended_at
  FROM (SELECT e.id, e.case_id, e.agent_id, e.type, e.created_at,
               lead(e.created_at) OVER (PARTITION BY e.case_id ORDER BY e.id) AS next_at
          FROM case_events e
         WHERE e.type IN ('solved', 'closed', 'unassigned', 'assigned', 'merged')) s
 WHERE s.type = 'assigned' AND s.agent_id IS NOT NULL;

CREATE OR REPLACE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE sql AS $$
  TRUNCATE case_facts, assignment_spans;
  INSERT INTO case_facts (case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, reopened_at, handler_id, handler_event_id, wrap_up_seconds)
  SELECT case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, reopened_at, handler_id, handler_event_id, wrap_up_seconds FROM report_case_facts_derived;
  INSERT INTO assignment_spans (start_event_id, case_id, agent_id, started_at, ended_at)
  SELECT start_event_id, case_id, agent_id, started_at, ended_at FROM report_assignment_spans_derived;
$$;

CREATE OR REPLACE FUNCTION report_rollups_recompute_case(c bigint) RETURNS void LANGUAGE sql AS $$
  DELETE FROM case_facts WHERE case_id = c;
  DELETE FROM assignment_spans WHERE case_id = c;
  INSERT INTO case_facts (case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, reopened_at, handler_id, handler_event_id, wrap_up_seconds)
  SELECT case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, reopened_at, handler_id, handler_event_id, wrap_up_seconds FROM report_case_facts_derived WHERE case_id = c;
  INSERT INTO assignment_spans (start_event_id, case_id, agent_id, started_at, ended_at)
  SELECT start_event_id, case_id, agent_id, started_at, ended_at FROM report_assignment_spans_derived WHERE case_id = c;
$$;

DROP FUNCTION report_rollups_rebuild_1521();
DROP FUNCTION report_rollups_recompute_case_1521(bigint);
