-- Report rollups: what the KPIs and reports need from the case event log, kept per case and per
-- assignment as events are written, so a report over a million interactions reads one narrow row per
-- case instead of re-deriving it from every event (issue 16: kpi/summary ran a correlated subquery per
-- case six times, occupancy scanned every 'assigned' event regardless of the window).
--
-- Both tables are derived data: report_rollups_rebuild() recomputes them from case_events (after a
-- restore, or if they are ever suspected wrong). The triggers keep them current in the writer's
-- transaction; each is one upsert on a narrow table, and only for the event types reports read.

CREATE TABLE case_facts (
  case_id            bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
  -- first 'queued': the case was offered to a queue then (service level, ASA, abandonment)
  queued_at          timestamptz,
  -- first 'accepted', and by whom
  accepted_at        timestamptz,
  accepted_agent_id  bigint,
  -- first 'abandoned'
  abandoned_at       timestamptz,
  -- first 'solved', and the first 'reopened' after it (first-contact resolution)
  first_solved_at    timestamptz,
  reopened_at        timestamptz,
  -- the agent of the latest 'accepted' or 'assigned' (per-agent report), and that event's id
  handler_id         bigint,
  handler_event_id   bigint
);
CREATE INDEX case_facts_queued_idx ON case_facts (queued_at) WHERE queued_at IS NOT NULL;
CREATE INDEX case_facts_solved_idx ON case_facts (first_solved_at) WHERE first_solved_at IS NOT NULL;

-- One row per 'assigned' event: the agent holds the case until the next 'solved', 'closed',
-- 'unassigned', 'assigned' or 'merged' event of the case (open: ended_at NULL). Occupancy.
CREATE TABLE assignment_spans (
  start_event_id  bigint PRIMARY KEY,
  case_id         bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  agent_id        bigint NOT NULL,
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz
);
CREATE INDEX assignment_spans_open_idx ON assignment_spans (case_id) WHERE ended_at IS NULL;
-- a window reads only the spans that overlap it (an open span reaches to infinity)
CREATE INDEX assignment_spans_time_idx ON assignment_spans USING gist (tstzrange(started_at, ended_at));

CREATE FUNCTION report_rollups_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.type IN ('solved', 'closed', 'unassigned', 'assigned', 'merged') THEN
    -- never before its start (clocks of two writers may disagree by a little): the range stays valid
    UPDATE assignment_spans SET ended_at = GREATEST(NEW.created_at, started_at)
     WHERE case_id = NEW.case_id AND ended_at IS NULL AND start_event_id < NEW.id;
  END IF;
  IF NEW.type = 'assigned' AND NEW.agent_id IS NOT NULL THEN
    INSERT INTO assignment_spans (start_event_id, case_id, agent_id, started_at)
    VALUES (NEW.id, NEW.case_id, NEW.agent_id, NEW.created_at) ON CONFLICT DO NOTHING;
  END IF;
  IF NEW.type IN ('queued', 'accepted', 'abandoned', 'solved', 'reopened', 'assigned') THEN
    INSERT INTO case_facts AS f (case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, handler_id, handler_event_id)
    VALUES (NEW.case_id,
            CASE WHEN NEW.type = 'queued' THEN NEW.created_at END,
            CASE WHEN NEW.type = 'accepted' THEN NEW.created_at END,
            CASE WHEN NEW.type = 'accepted' THEN NEW.agent_id END,
            CASE WHEN NEW.type = 'abandoned' THEN NEW.created_at END,
            CASE WHEN NEW.type = 'solved' THEN NEW.created_at END,
            CASE WHEN NEW.type IN ('accepted', 'assigned') THEN NEW.agent_id END,
            CASE WHEN NEW.type IN ('accepted', 'assigned') AND NEW.agent_id IS NOT NULL THEN NEW.id END)
    ON CONFLICT (case_id) DO UPDATE SET
      queued_at = CASE WHEN NEW.type = 'queued' THEN LEAST(f.queued_at, NEW.created_at) ELSE f.queued_at END,
      accepted_agent_id = CASE WHEN NEW.type = 'accepted' AND (f.accepted_at IS NULL OR NEW.created_at < f.accepted_at) THEN NEW.agent_id ELSE f.accepted_agent_id END,
      accepted_at = CASE WHEN NEW.type = 'accepted' THEN LEAST(f.accepted_at, NEW.created_at) ELSE f.accepted_at END,
      abandoned_at = CASE WHEN NEW.type = 'abandoned' THEN LEAST(f.abandoned_at, NEW.created_at) ELSE f.abandoned_at END,
      first_solved_at = CASE WHEN NEW.type = 'solved' THEN LEAST(f.first_solved_at, NEW.created_at) ELSE f.first_solved_at END,
      reopened_at = CASE WHEN NEW.type = 'reopened' AND f.first_solved_at IS NOT NULL AND NEW.created_at >= f.first_solved_at
                         THEN LEAST(f.reopened_at, NEW.created_at) ELSE f.reopened_at END,
      handler_id = CASE WHEN NEW.type IN ('accepted', 'assigned') AND NEW.agent_id IS NOT NULL AND NEW.id > coalesce(f.handler_event_id, 0)
                        THEN NEW.agent_id ELSE f.handler_id END,
      handler_event_id = CASE WHEN NEW.type IN ('accepted', 'assigned') AND NEW.agent_id IS NOT NULL AND NEW.id > coalesce(f.handler_event_id, 0)
                              THEN NEW.id ELSE f.handler_event_id END;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER case_events_report_rollups AFTER INSERT ON case_events
  FOR EACH ROW WHEN (NEW.type IN ('queued', 'accepted', 'abandoned', 'solved', 'reopened', 'assigned', 'closed', 'unassigned', 'merged'))
  EXECUTE FUNCTION report_rollups_on_event();

-- Recomputes both rollups from the event log, set-based (a bulk load disables the trigger and calls this).
CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE sql AS $$
  TRUNCATE case_facts, assignment_spans;
  INSERT INTO case_facts (case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, reopened_at, handler_id, handler_event_id)
  SELECT g.case_id, g.queued_at, g.accepted_at, g.accepted_agent_id, g.abandoned_at, g.first_solved_at,
         (SELECT min(r.created_at) FROM case_events r WHERE r.case_id = g.case_id AND r.type = 'reopened' AND r.created_at >= g.first_solved_at),
         g.handler_id, g.handler_event_id
    FROM (SELECT e.case_id,
                 min(e.created_at) FILTER (WHERE e.type = 'queued') AS queued_at,
                 min(e.created_at) FILTER (WHERE e.type = 'accepted') AS accepted_at,
                 (array_agg(e.agent_id ORDER BY e.created_at, e.id) FILTER (WHERE e.type = 'accepted'))[1] AS accepted_agent_id,
                 min(e.created_at) FILTER (WHERE e.type = 'abandoned') AS abandoned_at,
                 min(e.created_at) FILTER (WHERE e.type = 'solved') AS first_solved_at,
                 (array_agg(e.agent_id ORDER BY e.id DESC) FILTER (WHERE e.type IN ('accepted', 'assigned') AND e.agent_id IS NOT NULL))[1] AS handler_id,
                 max(e.id) FILTER (WHERE e.type IN ('accepted', 'assigned') AND e.agent_id IS NOT NULL) AS handler_event_id
            FROM case_events e
           WHERE e.type IN ('queued', 'accepted', 'abandoned', 'solved', 'reopened', 'assigned')
           GROUP BY e.case_id) g;
  INSERT INTO assignment_spans (start_event_id, case_id, agent_id, started_at, ended_at)
  SELECT id, case_id, agent_id, created_at, CASE WHEN next_at IS NOT NULL THEN GREATEST(next_at, created_at) END
    FROM (SELECT e.id, e.case_id, e.agent_id, e.type, e.created_at,
                 lead(e.created_at) OVER (PARTITION BY e.case_id ORDER BY e.id) AS next_at
            FROM case_events e
           WHERE e.type IN ('solved', 'closed', 'unassigned', 'assigned', 'merged')) s
   WHERE s.type = 'assigned' AND s.agent_id IS NOT NULL;
$$;

SELECT report_rollups_rebuild();

-- The event log is append-only; a corrected or removed event (a data fix, a test moving time) recomputes its
-- case's rollups from the case's events: the same statements as the rebuild, for one case.
CREATE FUNCTION report_rollups_recompute_case(c bigint) RETURNS void LANGUAGE sql AS $$
  DELETE FROM case_facts WHERE case_id = c;
  DELETE FROM assignment_spans WHERE case_id = c;
  INSERT INTO case_facts (case_id, queued_at, accepted_at, accepted_agent_id, abandoned_at, first_solved_at, reopened_at, handler_id, handler_event_id)
  SELECT g.case_id, g.queued_at, g.accepted_at, g.accepted_agent_id, g.abandoned_at, g.first_solved_at,
         (SELECT min(r.created_at) FROM case_events r WHERE r.case_id = g.case_id AND r.type = 'reopened' AND r.created_at >= g.first_solved_at),
         g.handler_id, g.handler_event_id
    FROM (SELECT e.case_id,
                 min(e.created_at) FILTER (WHERE e.type = 'queued') AS queued_at,
                 min(e.created_at) FILTER (WHERE e.type = 'accepted') AS accepted_at,
                 (array_agg(e.agent_id ORDER BY e.created_at, e.id) FILTER (WHERE e.type = 'accepted'))[1] AS accepted_agent_id,
                 min(e.created_at) FILTER (WHERE e.type = 'abandoned') AS abandoned_at,
                 min(e.created_at) FILTER (WHERE e.type = 'solved') AS first_solved_at,
                 (array_agg(e.agent_id ORDER BY e.id DESC) FILTER (WHERE e.type IN ('accepted', 'assigned') AND e.agent_id IS NOT NULL))[1] AS handler_id,
                 max(e.id) FILTER (WHERE e.type IN ('accepted', 'assigned') AND e.agent_id IS NOT NULL) AS handler_event_id
            FROM case_events e
           WHERE e.case_id = c AND e.type IN ('queued', 'accepted', 'abandoned', 'solved', 'reopened', 'assigned')
           GROUP BY e.case_id) g;
  INSERT INTO assignment_spans (start_event_id, case_id, agent_id, started_at, ended_at)
  SELECT id, case_id, agent_id, created_at, CASE WHEN next_at IS NOT NULL THEN GREATEST(next_at, created_at) END
    FROM (SELECT e.id, e.case_id, e.agent_id, e.type, e.created_at,
                 lead(e.created_at) OVER (PARTITION BY e.case_id ORDER BY e.id) AS next_at
            FROM case_events e
           WHERE e.case_id = c AND e.type IN ('solved', 'closed', 'unassigned', 'assigned', 'merged')) s
   WHERE s.type = 'assigned' AND s.agent_id IS NOT NULL;
$$;

CREATE FUNCTION report_rollups_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM report_rollups_recompute_case(OLD.case_id);
  IF TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id THEN
    PERFORM report_rollups_recompute_case(NEW.case_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER case_events_report_rollups_change AFTER UPDATE OF case_id, type, agent_id, created_at OR DELETE ON case_events
  FOR EACH ROW EXECUTE FUNCTION report_rollups_on_change();

-- Answer-time per call without reading every interaction of a case: calls are few among messages.
CREATE INDEX interactions_calls_idx ON interactions (case_id) WHERE kind = 'call';
