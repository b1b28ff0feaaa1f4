-- routing_accept (as 1761 left it) also answers the case's priority, so the accepting process builds the
-- `case:updated` it sends from what the statement returned (status, priority, assignee, routing state, queue)
-- instead of reading the case again after commit: one round trip less for every accepted offer.
-- A function's result columns cannot change in place: it is dropped and created again.
DROP FUNCTION routing_accept(uuid, bigint);
CREATE FUNCTION routing_accept(p_offer uuid, p_agent bigint)
RETURNS TABLE (outcome text, case_id bigint, prev_status text, prev_assignee bigint, channel text, queue_id bigint,
               presence text, break_reason_id bigint, wrap_up_until timestamptz, capacity jsonb, used jsonb, priority text) LANGUAGE plpgsql AS $$
DECLARE
  v_case bigint;
  ag record;
  c record;
  r record;
  waited float8;
  held constant text[] := ARRAY['new', 'open', 'pending'];
  handoff boolean;
BEGIN
  SELECT x.case_id INTO v_case FROM offers x WHERE x.id = p_offer AND x.agent_id = p_agent AND x.status = 'pending';
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'slow'::text, NULL::bigint, NULL::text, NULL::bigint, NULL::text, NULL::bigint,
                        NULL::text, NULL::bigint, NULL::timestamptz, NULL::jsonb, NULL::jsonb, NULL::text;
    RETURN;
  END IF;
  -- the agent row first (1101); nothing here changes its presence fields, so they are read with the lock
  SELECT a.presence, a.break_reason_id, a.wrap_up_until, a.consecutive_timeouts INTO ag FROM agents a WHERE a.id = p_agent FOR NO KEY UPDATE;
  SELECT x.status, x.assignee_id, x.channel, x.queue_id, x.priority, EXTRACT(EPOCH FROM (now() - x.first_queued_at))::float8 AS waited
    INTO c FROM cases x WHERE x.id = v_case FOR UPDATE;
  -- The hand-over (see the top of this file) only when both trigger branches it skips will run: the offer
  -- leaves `pending` for `accepted` (the update below, else nothing is written), and the case, locked above,
  -- becomes held by this agent — held after (the update keeps a held status held, new → open, and nothing
  -- else) and not held by this agent before (then the cases trigger has no +1 to skip). Otherwise the
  -- triggers count both changes as they always did.
  handoff := COALESCE(c.status = ANY (held) AND c.assignee_id IS DISTINCT FROM p_agent, false);
  IF handoff THEN PERFORM set_config('contact_hub.accept_handoff', (v_case || ':' || p_agent), true); END IF;
  UPDATE offers SET status = 'accepted', responded_at = now()
   WHERE id = p_offer AND offers.agent_id = p_agent AND status = 'pending' AND offers.expires_at > now();
  IF NOT FOUND THEN
    IF handoff THEN PERFORM set_config('contact_hub.accept_handoff', '', true); END IF;
    RETURN QUERY SELECT 'slow'::text, NULL::bigint, NULL::text, NULL::bigint, NULL::text, NULL::bigint,
                        NULL::text, NULL::bigint, NULL::timestamptz, NULL::jsonb, NULL::jsonb, NULL::text;
    RETURN;
  END IF;
  waited := round((c.waited * 1000)::numeric) / 1000;
  UPDATE cases SET assignee_id = p_agent, status = CASE WHEN status = 'new' THEN 'open' ELSE status END,
         routing_state = 'assigned', last_agent_id = p_agent, last_agent_at = now(), updated_at = now()
   WHERE id = v_case;
  IF handoff THEN PERFORM set_config('contact_hub.accept_handoff', '', true); END IF;
  -- the agent answered: missed offers count from zero again (read with the lock above, so only written when not already)
  IF ag.consecutive_timeouts <> 0 THEN UPDATE agents SET consecutive_timeouts = 0 WHERE id = p_agent; END IF;
  INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
  SELECT v_case, e.type, p_agent, c.queue_id, c.channel, e.data
    FROM (VALUES (1, 'accepted', jsonb_build_object('offerId', p_offer, 'waitedSeconds', waited)),
                 (2, 'assigned', jsonb_build_object('via', 'accept', 'actorId', p_agent, 'previousAgentId', c.assignee_id, 'waitedSeconds', waited)),
                 (3, 'status_changed', '{"from":"new","to":"open"}'::jsonb)) AS e(n, type, data)
   WHERE e.n < 3 OR c.status = 'new'
   ORDER BY e.n;
  SELECT ar.capacity, ar.used INTO r FROM agent_routing ar WHERE ar.agent_id = p_agent;
  RETURN QUERY SELECT 'accepted'::text, v_case, c.status::text, c.assignee_id, c.channel::text, c.queue_id,
                      ag.presence::text, ag.break_reason_id, ag.wrap_up_until, r.capacity, r.used, c.priority::text;
END $$;
