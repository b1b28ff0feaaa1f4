-- A case's status going from new to open (an agent accepting it, the commonest status change of all) cannot
-- move an SLA clock: only pending, solved and closed stop clocks (sla/policy.ts pausesFromStatusHistory), and
-- no policy condition names a status. It marked the case all the same, so every accepted case was recomputed
-- one more time by the SLA worker, whose batch holds its cases' row locks while it computes. Such a change
-- now marks nothing unless something else in the list changed with it.
DROP TRIGGER cases_sla_changed ON cases;
CREATE TRIGGER cases_sla_changed AFTER UPDATE OF status, priority, queue_id, type, channel, customer_id, first_response_at, last_activity_at ON cases
  FOR EACH ROW WHEN ((NEW.status IS DISTINCT FROM OLD.status AND NOT (OLD.status IN ('new', 'open') AND NEW.status IN ('new', 'open')))
     OR NEW.priority IS DISTINCT FROM OLD.priority
     OR NEW.queue_id IS DISTINCT FROM OLD.queue_id OR NEW.type IS DISTINCT FROM OLD.type
     OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.customer_id IS DISTINCT FROM OLD.customer_id
     OR NEW.first_response_at IS DISTINCT FROM OLD.first_response_at
     OR NEW.last_activity_at IS DISTINCT FROM OLD.last_activity_at)
  EXECUTE FUNCTION cases_mark_sla_new();
