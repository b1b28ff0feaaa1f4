-- A message marks its case for SLA recomputation (migration 1201) only when it can move a clock: a customer's
-- message (it may start a next-response cycle) or an agent's reply (it may meet one). The clocks read no other
-- message (sla/clocks.ts reads inbound messages and outbound ones with an author agent), yet every automatic
-- message marked its case: each customer receipt ("we received your request") made the SLA worker recompute
-- its case, about 0.7 ms of database time per SMS message, to find nothing changed. The condition is the
-- trigger's, so such a message costs no function call either.
DROP TRIGGER interactions_sla_dirty ON interactions;
CREATE TRIGGER interactions_sla_dirty AFTER INSERT ON interactions FOR EACH ROW
  WHEN (NEW.direction = 'inbound' OR (NEW.direction = 'outbound' AND NEW.author_agent_id IS NOT NULL))
  EXECUTE FUNCTION interactions_mark_sla_dirty();
