-- Matching state kept incrementally: one row per agent with what routing needs to decide (available,
-- capacity, load per channel, idle since, skills, queues). Triggers on agents, queue_members, cases and
-- offers keep it current inside the transaction that changes them, so the router reads one small table
-- instead of aggregating cases and offers on every wake-up, and an offer claims capacity under this row's
-- lock in the same statement that makes it (routing_offer below).

CREATE TABLE agent_routing (
  agent_id    bigint PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  available   boolean NOT NULL,
  -- per-channel capacity with the defaults filled in (routing/load.ts DEFAULT_CAPACITY)
  capacity    jsonb NOT NULL,
  -- held cases (new/open/pending) plus pending offers, per channel
  used        jsonb NOT NULL DEFAULT '{}',
  idle_since  timestamptz NOT NULL,
  skills      text[] NOT NULL DEFAULT '{}',
  queue_ids   bigint[] NOT NULL DEFAULT '{}'
);
CREATE INDEX agent_routing_available_idx ON agent_routing(agent_id) WHERE available;

CREATE FUNCTION routing_default_capacity() RETURNS jsonb LANGUAGE sql IMMUTABLE AS
$$ SELECT '{"voice":1,"chat":3,"sms":5,"email":5,"portal":5,"api":5}'::jsonb $$;

CREATE FUNCTION agent_load_add(p_agent bigint, p_channel text, p_delta int) RETURNS void LANGUAGE sql AS $$
  UPDATE agent_routing
     SET used = jsonb_set(used, ARRAY[p_channel], to_jsonb(GREATEST(0, COALESCE((used ->> p_channel)::int, 0) + p_delta)))
   WHERE agent_id = p_agent
$$;

-- agents: presence, activity, capacity, skills, idle since
CREATE FUNCTION agent_routing_from_agents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  -- agents.idle_since moves when the agent goes Available; finishing a case moves only the routing copy
  -- (cases trigger), so the copy follows agents.idle_since only when that changed
  idle_changed boolean := TG_OP = 'INSERT' OR OLD.idle_since IS DISTINCT FROM NEW.idle_since;
BEGIN
  INSERT INTO agent_routing (agent_id, available, capacity, idle_since, skills)
  VALUES (NEW.id, NEW.presence = 'available' AND NEW.active, routing_default_capacity() || COALESCE(NEW.capacity, '{}'), NEW.idle_since, NEW.skills)
  ON CONFLICT (agent_id) DO UPDATE
     SET available = EXCLUDED.available, capacity = EXCLUDED.capacity, skills = EXCLUDED.skills,
         idle_since = CASE WHEN idle_changed THEN EXCLUDED.idle_since ELSE agent_routing.idle_since END;
  RETURN NULL;
END $$;
CREATE TRIGGER agent_routing_agents_ins AFTER INSERT ON agents FOR EACH ROW EXECUTE FUNCTION agent_routing_from_agents();
CREATE TRIGGER agent_routing_agents_upd AFTER UPDATE OF presence, active, capacity, idle_since, skills ON agents FOR EACH ROW
  WHEN (OLD.presence IS DISTINCT FROM NEW.presence OR OLD.active IS DISTINCT FROM NEW.active OR OLD.capacity IS DISTINCT FROM NEW.capacity
        OR OLD.idle_since IS DISTINCT FROM NEW.idle_since OR OLD.skills IS DISTINCT FROM NEW.skills)
  EXECUTE FUNCTION agent_routing_from_agents();

-- queue membership
CREATE FUNCTION agent_routing_from_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE a bigint;
BEGIN
  a := CASE WHEN TG_OP = 'DELETE' THEN OLD.agent_id ELSE NEW.agent_id END;
  UPDATE agent_routing SET queue_ids = COALESCE((SELECT array_agg(queue_id ORDER BY queue_id) FROM queue_members WHERE agent_id = a), '{}')
   WHERE agent_id = a;
  IF TG_OP = 'UPDATE' AND OLD.agent_id <> NEW.agent_id THEN
    UPDATE agent_routing SET queue_ids = COALESCE((SELECT array_agg(queue_id ORDER BY queue_id) FROM queue_members WHERE agent_id = OLD.agent_id), '{}')
     WHERE agent_id = OLD.agent_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER agent_routing_members AFTER INSERT OR UPDATE OR DELETE ON queue_members FOR EACH ROW EXECUTE FUNCTION agent_routing_from_members();

-- cases held by an agent count against the case's channel
CREATE FUNCTION agent_routing_from_cases() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF now_held THEN PERFORM agent_load_add(NEW.assignee_id, NEW.channel, 1); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER agent_routing_cases_ins AFTER INSERT ON cases FOR EACH ROW WHEN (NEW.assignee_id IS NOT NULL)
  EXECUTE FUNCTION agent_routing_from_cases();
CREATE TRIGGER agent_routing_cases_upd AFTER UPDATE OF assignee_id, status, channel ON cases FOR EACH ROW
  WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.channel IS DISTINCT FROM NEW.channel)
  EXECUTE FUNCTION agent_routing_from_cases();
CREATE TRIGGER agent_routing_cases_del AFTER DELETE ON cases FOR EACH ROW WHEN (OLD.assignee_id IS NOT NULL)
  EXECUTE FUNCTION agent_routing_from_cases();

-- a pending offer counts against the case's channel until it is answered, expires or is withdrawn
CREATE FUNCTION agent_routing_from_offers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_pending boolean := TG_OP <> 'INSERT' AND OLD.status = 'pending';
  now_pending boolean := TG_OP <> 'DELETE' AND NEW.status = 'pending';
  ch text;
BEGIN
  IF was_pending = now_pending AND (TG_OP <> 'UPDATE' OR OLD.agent_id = NEW.agent_id) THEN RETURN NULL; END IF;
  SELECT channel INTO ch FROM cases WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
  IF was_pending THEN PERFORM agent_load_add(OLD.agent_id, ch, -1); END IF;
  IF now_pending THEN PERFORM agent_load_add(NEW.agent_id, ch, 1); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER agent_routing_offers AFTER INSERT OR UPDATE OF status, agent_id OR DELETE ON offers FOR EACH ROW
  EXECUTE FUNCTION agent_routing_from_offers();

-- the state as it is now
INSERT INTO agent_routing (agent_id, available, capacity, idle_since, skills, queue_ids, used)
SELECT a.id, a.presence = 'available' AND a.active, routing_default_capacity() || COALESCE(a.capacity, '{}'), a.idle_since, a.skills,
       COALESCE((SELECT array_agg(m.queue_id ORDER BY m.queue_id) FROM queue_members m WHERE m.agent_id = a.id), '{}'),
       COALESCE((SELECT jsonb_object_agg(ch, n) FROM (
          SELECT channel AS ch, count(*) AS n FROM (
            SELECT c.channel FROM cases c WHERE c.assignee_id = a.id AND c.status IN ('new', 'open', 'pending')
            UNION ALL
            SELECT c.channel FROM offers o JOIN cases c ON c.id = o.case_id WHERE o.agent_id = a.id AND o.status = 'pending'
          ) x GROUP BY channel) y), '{}')
  FROM agents a;

/*
 * offer: waiting → offered, in one statement. Takes the case (SKIP LOCKED: another router deciding it
 * answers `busy`), then the first candidate, best first, who is available and has room on the case's
 * channel (nothing new while a voice case is held or offered), under that agent's routing-row lock; the
 * offer insert counts it against the agent's load through the trigger above, before the lock is released.
 * A candidate whose row another transaction holds is skipped rather than waited for (no lock is held
 * waiting on another) and reported in `skipped`, so the router keeps lower cases away from that agent.
 * Outcomes: offered | busy (another router holds the case) | gone (no longer waiting) | full (no candidate
 * had room).
 */
CREATE FUNCTION routing_offer(p_case bigint, p_candidates bigint[], p_sticky bigint, p_timeout_s float8, p_data jsonb)
RETURNS TABLE (outcome text, offer_id uuid, agent_id bigint, expires_at timestamptz, skipped bigint[]) LANGUAGE plpgsql AS $$
DECLARE
  c record;
  a bigint;
  r record;
  o record;
  passed bigint[] := '{}';
BEGIN
  SELECT x.channel, x.queue_id INTO c FROM cases x WHERE x.id = p_case AND x.routing_state = 'waiting' FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM cases x WHERE x.id = p_case AND x.routing_state = 'waiting') THEN
      RETURN QUERY SELECT 'busy'::text, NULL::uuid, NULL::bigint, NULL::timestamptz, passed;
    ELSE
      RETURN QUERY SELECT 'gone'::text, NULL::uuid, NULL::bigint, NULL::timestamptz, passed;
    END IF;
    RETURN;
  END IF;
  FOREACH a IN ARRAY p_candidates LOOP
    SELECT ar.available AND COALESCE((ar.used ->> 'voice')::int, 0) = 0
           AND COALESCE((ar.used ->> c.channel)::int, 0) < COALESCE((ar.capacity ->> c.channel)::int, 0) AS room
      INTO r FROM agent_routing ar WHERE ar.agent_id = a FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      passed := passed || a;
    ELSIF r.room THEN
      INSERT INTO offers (case_id, agent_id, expires_at) VALUES (p_case, a, now() + make_interval(secs => p_timeout_s))
        RETURNING offers.id, offers.expires_at INTO o;
      UPDATE cases SET routing_state = 'offered', updated_at = now() WHERE id = p_case;
      INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
      VALUES (p_case, 'offered', a, c.queue_id, c.channel,
              jsonb_build_object('offerId', o.id, 'expiresAt', o.expires_at, 'sticky', a = p_sticky) || COALESCE(p_data, '{}'));
      RETURN QUERY SELECT 'offered'::text, o.id, a, o.expires_at, passed;
      RETURN;
    END IF;
  END LOOP;
  RETURN QUERY SELECT 'full'::text, NULL::uuid, NULL::bigint, NULL::timestamptz, passed;
END $$;

/*
 * accept: offered → assigned, in one statement, for the common case: the offer is pending, live and the
 * agent's. Locks the case, then the offer (the order status changes use), assigns, and writes the
 * events. Anything else answers `slow` and the caller takes the general path (retried accept, late
 * answer, forgiveness), which is rare.
 */
CREATE FUNCTION routing_accept(p_offer uuid, p_agent bigint)
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
  SELECT x.status, x.assignee_id, x.channel, x.queue_id, EXTRACT(EPOCH FROM (now() - x.first_queued_at))::float8 AS waited
    INTO c FROM cases x WHERE x.id = v_case FOR UPDATE;
  IF NOT EXISTS (SELECT 1 FROM offers x WHERE x.id = p_offer AND x.status = 'pending' AND x.expires_at > now()) THEN
    RETURN QUERY SELECT 'slow'::text, NULL::bigint, NULL::text, NULL::bigint, NULL::text, NULL::bigint;
    RETURN;
  END IF;
  -- the agent row (only when there is something to reset) before the offer and the routing row, the
  -- order decline and expiry take them in
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

-- The queue order in full (priority, first queued, id), so a pass reads the waiting cases straight from the
-- index in order, as far as it needs, instead of sorting every waiting case first.
DROP INDEX IF EXISTS cases_waiting_idx;
CREATE INDEX cases_waiting_idx ON cases(routing_priority, first_queued_at, id) WHERE routing_state = 'waiting';
