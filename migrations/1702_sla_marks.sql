-- Cases whose SLA clocks are to be recomputed live in their own small table instead of a flag on the case
-- row (server/src/sla/clocks.ts). Clearing the flag rewrote the whole case row with every one of its indexes
-- (the flag was indexed, so the update could never be a heap-only one), once for every new case and again
-- after every change; and a BEFORE trigger ran on every update of a case to decide whether to set it.
CREATE TABLE case_sla_marks (
  case_id bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE
);
INSERT INTO case_sla_marks (case_id) SELECT id FROM cases WHERE sla_dirty;

DROP TRIGGER cases_sla_dirty ON cases;
DROP FUNCTION cases_mark_sla_dirty();
DROP INDEX cases_sla_dirty_idx;
ALTER TABLE cases DROP COLUMN sla_dirty;

-- New cases start marked.
CREATE FUNCTION cases_mark_sla_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO case_sla_marks (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER cases_sla_new AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_mark_sla_new();

-- Any change that can move a clock marks the case; the condition is the trigger's own, so an update that
-- changes none of these columns (routing state, assignment, activity of agents) calls no function at all.
CREATE TRIGGER cases_sla_changed AFTER UPDATE OF status, priority, queue_id, type, channel, customer_id, first_response_at, last_activity_at ON cases
  FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.priority IS DISTINCT FROM OLD.priority
     OR NEW.queue_id IS DISTINCT FROM OLD.queue_id OR NEW.type IS DISTINCT FROM OLD.type
     OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.customer_id IS DISTINCT FROM OLD.customer_id
     OR NEW.first_response_at IS DISTINCT FROM OLD.first_response_at
     OR NEW.last_activity_at IS DISTINCT FROM OLD.last_activity_at)
  EXECUTE FUNCTION cases_mark_sla_new();

-- A new message (either way) can start or stop the next-response clock.
CREATE OR REPLACE FUNCTION interactions_mark_sla_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.direction IN ('inbound', 'outbound') THEN
    INSERT INTO case_sla_marks (case_id)
    SELECT id FROM cases WHERE id = NEW.case_id AND status NOT IN ('solved', 'closed')
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
