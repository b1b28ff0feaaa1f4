-- Agent states (issue 16, item 4): after-call work (wrap-up), break reasons under Away, disposition codes.
--
-- Wrap-up is a presence of its own: the matching state counts only 'available' agents as free
-- (migration 0901's trigger), so an agent in wrap-up is offered nothing without a new routing function.

CREATE TABLE break_reasons (
  id          bigserial PRIMARY KEY,
  name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
  name_fa     text NOT NULL CHECK (length(name_fa) BETWEEN 1 AND 100),
  active      boolean NOT NULL DEFAULT true,
  position    int NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A disposition (wrap-up code) is global (queue_id NULL) or for one queue.
CREATE TABLE dispositions (
  id          bigserial PRIMARY KEY,
  code        text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,49}$'),
  label_en    text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 100),
  label_fa    text NOT NULL CHECK (length(label_fa) BETWEEN 1 AND 100),
  queue_id    bigint REFERENCES queues(id) ON DELETE CASCADE,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- a code once among the global ones and once per queue (two indexes: NULLS NOT DISTINCT needs PostgreSQL 15)
CREATE UNIQUE INDEX dispositions_global_code_uq ON dispositions (code) WHERE queue_id IS NULL;
CREATE UNIQUE INDEX dispositions_queue_code_uq ON dispositions (queue_id, code) WHERE queue_id IS NOT NULL;

-- wrap_up_seconds: after-call work after a call or chat of this queue ends (0: none).
-- disposition_required: an agent cannot solve a case of this queue without a disposition.
ALTER TABLE queues
  ADD COLUMN wrap_up_seconds int NOT NULL DEFAULT 0 CHECK (wrap_up_seconds BETWEEN 0 AND 3600),
  ADD COLUMN disposition_required boolean NOT NULL DEFAULT false;

ALTER TABLE cases ADD COLUMN disposition_id bigint REFERENCES dispositions(id) ON DELETE SET NULL;
CREATE INDEX cases_disposition_idx ON cases (disposition_id) WHERE disposition_id IS NOT NULL;

ALTER TABLE agents DROP CONSTRAINT agents_presence_check;
ALTER TABLE agents ADD CONSTRAINT agents_presence_check CHECK (presence IN ('available', 'away', 'offline', 'wrap_up'));
ALTER TABLE agents
  ADD COLUMN break_reason_id bigint REFERENCES break_reasons(id) ON DELETE SET NULL,
  -- while in wrap-up: until when, and for which case (its AHT gets the time)
  ADD COLUMN wrap_up_until timestamptz,
  ADD COLUMN wrap_up_case_id bigint REFERENCES cases(id) ON DELETE SET NULL;
-- the routers' sweep ends wrap-ups whose timer job was lost
CREATE INDEX agents_wrap_up_idx ON agents (wrap_up_until) WHERE presence = 'wrap_up';

ALTER TABLE agent_presence_log
  ADD COLUMN break_reason_id bigint REFERENCES break_reasons(id) ON DELETE SET NULL,
  ADD COLUMN case_id bigint REFERENCES cases(id) ON DELETE SET NULL;

-- `wrap_up`: an agent's after-call work on the case ended (data.seconds: how long it lasted).
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_type_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_type_check CHECK (type IN (
  'created', 'queued', 'requeued', 'offered', 'accepted', 'declined', 'timed_out', 'rescinded',
  'assigned', 'unassigned', 'transferred', 'escalated', 'status_changed', 'priority_changed',
  'first_response', 'solved', 'reopened', 'closed', 'abandoned', 'sla_warning', 'sla_breach',
  'merged', 'updated', 'interaction', 'reminder_due', 'csat_received', 'automation', 'wrap_up'));

-- AHT includes wrap-up: the case's total after-call work, kept from the 'wrap_up' events like the other rollups.
ALTER TABLE case_facts ADD COLUMN wrap_up_seconds numeric NOT NULL DEFAULT 0;

CREATE FUNCTION report_rollups_on_wrap_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_facts AS f (case_id, wrap_up_seconds) VALUES (NEW.case_id, coalesce((NEW.data->>'seconds')::numeric, 0))
  ON CONFLICT (case_id) DO UPDATE SET wrap_up_seconds = f.wrap_up_seconds + EXCLUDED.wrap_up_seconds;
  RETURN NULL;
END $$;

CREATE TRIGGER case_events_report_wrap_up AFTER INSERT ON case_events
  FOR EACH ROW WHEN (NEW.type = 'wrap_up') EXECUTE FUNCTION report_rollups_on_wrap_up();

-- The rebuilds of migration 1521 recreate case_facts rows without wrap-up: they keep their work under
-- a new name, and the names callers use add the wrap-up totals afterwards.
ALTER FUNCTION report_rollups_rebuild() RENAME TO report_rollups_rebuild_1521;
ALTER FUNCTION report_rollups_recompute_case(bigint) RENAME TO report_rollups_recompute_case_1521;

CREATE FUNCTION report_rollups_rebuild() RETURNS void LANGUAGE sql AS $$
  SELECT report_rollups_rebuild_1521();
  INSERT INTO case_facts AS f (case_id, wrap_up_seconds)
  SELECT case_id, sum(coalesce((data->>'seconds')::numeric, 0)) FROM case_events WHERE type = 'wrap_up' GROUP BY case_id
  ON CONFLICT (case_id) DO UPDATE SET wrap_up_seconds = EXCLUDED.wrap_up_seconds;
$$;

CREATE FUNCTION report_rollups_recompute_case(c bigint) RETURNS void LANGUAGE sql AS $$
  SELECT report_rollups_recompute_case_1521(c);
  INSERT INTO case_facts AS f (case_id, wrap_up_seconds)
  SELECT case_id, sum(coalesce((data->>'seconds')::numeric, 0)) FROM case_events WHERE case_id = c AND type = 'wrap_up' GROUP BY case_id
  ON CONFLICT (case_id) DO UPDATE SET wrap_up_seconds = EXCLUDED.wrap_up_seconds;
$$;
