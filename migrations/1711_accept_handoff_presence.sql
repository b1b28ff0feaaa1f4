-- routing_accept, cheaper, and with the agent's presence in its answer.
--
-- 1. The hand-over. Accepting turns the agent's pending offer into the case it holds: on the offer's channel
--    the agent's load is the same before and after (held cases + pending offers, 0901). The triggers saw two
--    changes, the offer leaving `pending` (−1) and the case becoming held (+1), and wrote the agent's
--    agent_routing row twice (the second write also re-checking its foreign key) for nothing. Now
--    routing_accept names the hand-over in a transaction-local setting, `contact_hub.accept_handoff`
--    = '<case id>:<agent id>', for exactly its two updates, and the two trigger branches that would cancel
--    out skip. It names it only when both branches are certain to run (see routing_accept), so they skip
--    together or not at all; every other path (the general accept, decline, expiry, rescind, transfer,
--    reassignment, solve) never sets it and counts as before.
-- 2. The answer carries what the `presence` event after an accept shows (presence, break reason, wrap-up
--    end, capacity and load), read in the same statement, so the effects after commit need not read it back.
-- 3. Fewer statements inside: the agent's presence fields and missed-offer count come with the agent-row lock
--    it already took (the reset is written only when there is something to reset); the re-check of the offer
--    before its update is gone (under the agent and case locks the update's own condition is the same check;
--    the reset now follows it, so an answer that goes to the general path still resets nothing here); the
--    events are one insert.

CREATE OR REPLACE FUNCTION agent_routing_from_cases() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_held boolean := TG_OP <> 'INSERT' AND OLD.assignee_id IS NOT NULL AND OLD.status IN ('new', 'open', 'pending');
  now_held boolean := TG_OP <> 'DELETE' AND NEW.assignee_id IS NOT NULL AND NEW.status IN ('new', 'open', 'pending');
BEGIN
  IF was_held AND now_held AND OLD.assignee_id = NEW.assignee_id AND OLD.channel = NEW.channel THEN RETURN NULL; END IF;
  IF was_held AND NOT now_held AND NEW.status IN ('solved', 'closed') AND NEW.assignee_id = OLD.assignee_id THEN
    -- the agent finished a case: capacity is free again and "longest idle" counts from here
    UPDATE agent_routing
       SET used = jsonb_set(used, ARRAY[OLD.channel], to_jsonb(GREATEST(0, COALESCE((used ->> OLD.channel)::int, 0) - 1))), idle_since = now()
     WHERE agent_id = OLD.assignee_id;
    RETURN NULL;
  END IF;
  IF was_held THEN PERFORM agent_load_add(OLD.assignee_id, OLD.channel, -1); END IF;
  -- routing_accept's hand-over: the accepted offer already counts this case for the agent (its −1 is skipped too)
  IF now_held AND (TG_OP <> 'UPDATE' OR current_setting('contact_hub.accept_handoff', true) IS DISTINCT FROM (NEW.id || ':' || NEW.assignee_id)) THEN
    PERFORM agent_load_add(NEW.assignee_id, NEW.channel, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION agent_routing_from_offers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_pending boolean := TG_OP <> 'INSERT' AND OLD.status = 'pending';
  now_pending boolean := TG_OP <> 'DELETE' AND NEW.status = 'pending';
  ch text;
BEGIN
  IF was_pending = now_pending AND (TG_OP <> 'UPDATE' OR OLD.agent_id = NEW.agent_id) THEN RETURN NULL; END IF;
  -- routing_accept's hand-over: this offer's count stays, as the case it assigns to the same agent (its +1 is skipped too)
  IF TG_OP = 'UPDATE' AND was_pending AND NEW.status = 'accepted' AND OLD.agent_id = NEW.agent_id
     AND current_setting('contact_hub.accept_handoff', true) = (NEW.case_id || ':' || NEW.agent_id) THEN
    RETURN NULL;
  END IF;
  SELECT channel INTO ch FROM cases WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
  IF was_pending THEN PERFORM agent_load_add(OLD.agent_id, ch, -1); END IF;
  IF now_pending THEN PERFORM agent_load_add(NEW.agent_id, ch, 1); END IF;
  RETURN NULL;
END $$;

-- the result gains the presence columns: a function's result type cannot be replaced in place
DROP FUNCTION routing_accept(uuid, bigint);

/*
 * accept: offered → assigned, in one statement, for the common case: the offer is pending, live and the
 * agent's. Locks the agent row (FOR NO KEY UPDATE, first, as every path that locks an agent and a case
 * does: 1101), then the case, then the offer by updating it; assigns and writes the events. Anything else
 * answers `slow` and the caller takes the general path (retried accept, late answer, forgiveness), which is
 * rare. `presence` … `used`: the agent's presence event after this accept (routing/load.ts presenceOfRow).
 */
CREATE FUNCTION routing_accept(p_offer uuid, p_agent bigint)
RETURNS TABLE (outcome text, case_id bigint, prev_status text, prev_assignee bigint, channel text, queue_id bigint,
               presence text, break_reason_id bigint, wrap_up_until timestamptz, capacity jsonb, used jsonb) LANGUAGE plpgsql AS $$
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
                        NULL::text, NULL::bigint, NULL::timestamptz, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  -- the agent row first (1101); nothing here changes its presence fields, so they are read with the lock
  SELECT a.presence, a.break_reason_id, a.wrap_up_until, a.consecutive_timeouts INTO ag FROM agents a WHERE a.id = p_agent FOR NO KEY UPDATE;
  SELECT x.status, x.assignee_id, x.channel, x.queue_id, EXTRACT(EPOCH FROM (now() - x.first_queued_at))::float8 AS waited
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
                        NULL::text, NULL::bigint, NULL::timestamptz, NULL::jsonb, NULL::jsonb;
    RETURN;
  END IF;
  waited := round((c.waited * 1000)::numeric) / 1000;
  UPDATE cases SET assignee_id = p_agent, status = CASE WHEN status = 'new' THEN 'open' ELSE status END,
         routing_state = 'assigned', enqueue_pending = false, last_agent_id = p_agent, last_agent_at = now(), updated_at = now()
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
                      ag.presence::text, ag.break_reason_id, ag.wrap_up_until, r.capacity, r.used;
END $$;
