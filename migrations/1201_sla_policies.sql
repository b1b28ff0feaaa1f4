-- SLA policies on business calendars, SLA clocks per case, timers rebuilt from here, reminders.

-- A queue's team lead: where a breached case's policy may send it.
ALTER TABLE queues ADD COLUMN lead_agent_id bigint REFERENCES agents(id) ON DELETE SET NULL;

-- Admin-configured SLA policies; the first enabled one (by position) whose conditions all match wins.
CREATE TABLE sla_policies (
  id                      bigserial PRIMARY KEY,
  name                    text NOT NULL,
  position                int NOT NULL DEFAULT 0,
  enabled                 boolean NOT NULL DEFAULT true,
  -- { "queueIds": [1], "channels": ["email"], "priorities": ["high"], "tiers": ["vip"], "types": ["complaint"] }
  -- an absent or empty list matches everything
  conditions              jsonb NOT NULL DEFAULT '{}',
  -- targets in minutes; NULL: this policy sets no target for that clock
  first_response_minutes  int CHECK (first_response_minutes > 0),
  next_response_minutes   int CHECK (next_response_minutes > 0),
  resolution_minutes      int CHECK (resolution_minutes > 0),
  -- true: counted in the business hours of the case's queue (else the organisation's); false: calendar time
  business_time           boolean NOT NULL DEFAULT true,
  -- share of the target at which the warning fires
  warn_percent            int NOT NULL DEFAULT 80 CHECK (warn_percent BETWEEN 1 AND 99),
  -- { "raisePriority": true, "toQueueId": 3, "toTeamLead": false, "notifySupervisors": true }
  escalation              jsonb NOT NULL DEFAULT '{"raisePriority": true, "notifySupervisors": true}',
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sla_policies_order_idx ON sla_policies (position, id);

-- One row per case and clock. The current cycle only: a next-response clock restarts with each customer
-- message that follows an agent reply. Warned/breached/met record what happened to this cycle.
CREATE TABLE case_sla_clocks (
  case_id       bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  metric        text NOT NULL CHECK (metric IN ('first_response', 'next_response', 'resolution')),
  policy_id     bigint REFERENCES sla_policies(id) ON DELETE SET NULL,
  business_time boolean NOT NULL,
  target_minutes int NOT NULL,
  started_at    timestamptz NOT NULL,
  -- NULL while paused (resolution while pending on the customer)
  warn_at       timestamptz,
  due_at        timestamptz,
  paused        boolean NOT NULL DEFAULT false,
  warned_at     timestamptz,
  breached_at   timestamptz,
  met_at        timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, metric)
);
-- the timers still to fire: what a rebuild after a Redis loss reads
CREATE INDEX case_sla_clocks_live_idx ON case_sla_clocks (due_at) WHERE met_at IS NULL AND breached_at IS NULL AND due_at IS NOT NULL;
CREATE INDEX case_sla_clocks_report_idx ON case_sla_clocks (metric, started_at);

-- Any change that can move an SLA clock marks the case; the SLA worker recomputes marked cases (and the
-- sweep catches any it missed), so no code path can forget to. New cases start marked.
ALTER TABLE cases ADD COLUMN sla_dirty boolean NOT NULL DEFAULT true;
UPDATE cases SET sla_dirty = false WHERE status IN ('solved', 'closed');
ALTER TABLE cases ADD COLUMN sla_breached_at timestamptz;
-- when a reminder (pending until …) last brought the case back; "My cases" lists these first until read
ALTER TABLE cases ADD COLUMN reminder_fired_at timestamptz;
CREATE INDEX cases_sla_dirty_idx ON cases (id) WHERE sla_dirty;
CREATE INDEX cases_pending_until_idx ON cases (pending_until) WHERE status = 'pending' AND pending_until IS NOT NULL;

CREATE FUNCTION cases_mark_sla_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status OR NEW.priority IS DISTINCT FROM OLD.priority
     OR NEW.queue_id IS DISTINCT FROM OLD.queue_id OR NEW.type IS DISTINCT FROM OLD.type
     OR NEW.channel IS DISTINCT FROM OLD.channel OR NEW.customer_id IS DISTINCT FROM OLD.customer_id
     OR NEW.first_response_at IS DISTINCT FROM OLD.first_response_at
     OR NEW.last_activity_at IS DISTINCT FROM OLD.last_activity_at THEN
    NEW.sla_dirty := true;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER cases_sla_dirty BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION cases_mark_sla_dirty();

-- A new message (either way) can start or stop the next-response clock.
CREATE FUNCTION interactions_mark_sla_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.direction IN ('inbound', 'outbound') THEN
    UPDATE cases SET sla_dirty = true WHERE id = NEW.case_id AND NOT sla_dirty AND status NOT IN ('solved', 'closed');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER interactions_sla_dirty AFTER INSERT ON interactions FOR EACH ROW EXECUTE FUNCTION interactions_mark_sla_dirty();

-- reminder_due: a pending case's reminder brought it back
ALTER TABLE case_events DROP CONSTRAINT case_events_type_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_type_check CHECK (type IN (
  'created', 'queued', 'requeued', 'offered', 'accepted', 'declined', 'timed_out', 'rescinded',
  'assigned', 'unassigned', 'transferred', 'escalated', 'status_changed', 'priority_changed',
  'first_response', 'solved', 'reopened', 'closed', 'abandoned', 'sla_warning', 'sla_breach',
  'merged', 'updated', 'interaction', 'reminder_due'));
