-- routing_accept took the agent row last (only by the foreign-key check when the case was assigned),
-- after the case and the agent's routing row; a decline or expiry of the same agent, which takes the
-- agent row first, could then deadlock with it. Now it takes the agent row first, in the mode that does
-- not block foreign-key checks (FOR NO KEY UPDATE), like lockAgent.
CREATE OR REPLACE FUNCTION routing_accept(p_offer uuid, p_agent bigint)
RETURNS TABLE (outcome text, case_id bigint, prev_status text, prev_assignee bigint, channel text, queue_id bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_case bigint;
  c record;
  waited float8;
BEGIN
  SELECT x.case_id INTO v_case FROM offers x WHERE x.id = p_offer AND x.agent_id = p_agent AND x.status = 'pending';
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'slow'::text, NULL::bigint, NULL::text, NULL::bigint, NULL::text, NULL::bigint;
    RETURN;
  END IF;
  -- the agent row first, as every other path that locks an agent and a case does (decline, expiry, the
  -- slow accept, presence): taking it only after the case and the routing row deadlocked against them
  PERFORM 1 FROM agents WHERE id = p_agent FOR NO KEY UPDATE;
  SELECT x.status, x.assignee_id, x.channel, x.queue_id, EXTRACT(EPOCH FROM (now() - x.first_queued_at))::float8 AS waited
    INTO c FROM cases x WHERE x.id = v_case FOR UPDATE;
  IF NOT EXISTS (SELECT 1 FROM offers x WHERE x.id = p_offer AND x.status = 'pending' AND x.expires_at > now()) THEN
    RETURN QUERY SELECT 'slow'::text, NULL::bigint, NULL::text, NULL::bigint, NULL::text, NULL::bigint;
    RETURN;
  END IF;
  UPDATE agents SET consecutive_timeouts = 0 WHERE id = p_agent AND consecutive_timeouts <> 0;
  UPDATE offers SET status = 'accepted', responded_at = now()
   WHERE id = p_offer AND offers.agent_id = p_agent AND status = 'pending' AND offers.expires_at > now();
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'slow'::text, NULL::bigint, NULL::text, NULL::bigint, NULL::text, NULL::bigint;
    RETURN;
  END IF;
  waited := round((c.waited * 1000)::numeric) / 1000;
  UPDATE cases SET assignee_id = p_agent, status = CASE WHEN status = 'new' THEN 'open' ELSE status END,
         routing_state = 'assigned', enqueue_pending = false, last_agent_id = p_agent, last_agent_at = now(), updated_at = now()
   WHERE id = v_case;
  INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
  VALUES (v_case, 'accepted', p_agent, c.queue_id, c.channel, jsonb_build_object('offerId', p_offer, 'waitedSeconds', waited)),
         (v_case, 'assigned', p_agent, c.queue_id, c.channel,
          jsonb_build_object('via', 'accept', 'actorId', p_agent, 'previousAgentId', c.assignee_id, 'waitedSeconds', waited));
  IF c.status = 'new' THEN
    INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
    VALUES (v_case, 'status_changed', p_agent, c.queue_id, c.channel, '{"from":"new","to":"open"}');
  END IF;
  RETURN QUERY SELECT 'accepted'::text, v_case, c.status::text, c.assignee_id, c.channel::text, c.queue_id;
END $$;
