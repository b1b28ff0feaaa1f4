-- Automation rules and outbound webhooks (server/src/automation/).

-- Case event types: `automation` (a rule ran on the case: what it did, shown in the timeline),
-- `reminder_due` (SLA branch: a pending case's follow-up time came) and `csat_received` (a customer rated a case).
ALTER TABLE case_events DROP CONSTRAINT IF EXISTS case_events_type_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_type_check CHECK (type IN (
  'created', 'queued', 'requeued', 'offered', 'accepted', 'declined', 'timed_out', 'rescinded',
  'assigned', 'unassigned', 'transferred', 'escalated', 'status_changed', 'priority_changed',
  'first_response', 'solved', 'reopened', 'closed', 'abandoned', 'sla_warning', 'sla_breach',
  'merged', 'updated', 'interaction', 'reminder_due', 'csat_received', 'automation'));

-- A rule's "notify agents/supervisors" action lands in the notification bell.
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('mention', 'rule'));

CREATE TABLE automation_rules (
  id               bigserial PRIMARY KEY,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- evaluation order, lowest first
  position         int NOT NULL DEFAULT 0,
  enabled          boolean NOT NULL DEFAULT false,
  -- { "on": "case_created" | "customer_replied" | … } or { "on": "time", "since": …, "hours": N }
  trigger          jsonb NOT NULL,
  conditions       jsonb NOT NULL DEFAULT '{}',
  actions          jsonb NOT NULL DEFAULT '[]',
  stop_processing  boolean NOT NULL DEFAULT false,
  -- the shipped examples, so a re-seed never adds them twice
  example_key      text UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_endpoints (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  url         text NOT NULL,
  -- the signing secret, encrypted at rest (lib/crypto-box.ts)
  secret_box  text NOT NULL,
  events      text[] NOT NULL DEFAULT '{}',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Case events waiting for the automation worker (rules and webhooks). Filled by a trigger on case_events,
-- so no writer of case events has to know about automation and no event is skipped by a reader's cursor
-- (ids of concurrent transactions commit out of order). Rows are leased, processed, then deleted.
CREATE TABLE automation_inbox (
  event_id       bigint PRIMARY KEY,
  case_id        bigint NOT NULL,
  claimed_until  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION automation_inbox_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- only while something listens: an enabled rule or webhook (both tables are tiny)
  IF EXISTS (SELECT 1 FROM automation_rules WHERE enabled) OR EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN
    INSERT INTO automation_inbox (event_id, case_id) VALUES (NEW.id, NEW.case_id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER case_events_automation AFTER INSERT ON case_events FOR EACH ROW
  -- a CSAT rating is an `updated` event with data.csat today (channels/portal/csat.ts)
  WHEN (NEW.type IN ('created', 'interaction', 'status_changed', 'reopened', 'solved', 'assigned',
                     'sla_warning', 'sla_breach', 'reminder_due', 'csat_received')
        OR (NEW.type = 'updated' AND NEW.data ? 'csat'))
  EXECUTE FUNCTION automation_inbox_add();

-- One row per (rule, event) the rule matched: the idempotency key of at-least-once processing.
-- A time-based rule's event is the case event its clock started from (e.g. the status change to solved).
CREATE TABLE automation_runs (
  rule_id      bigint NOT NULL REFERENCES automation_rules(id) ON DELETE CASCADE,
  event_id     bigint NOT NULL,
  case_id      bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
  attempts     int NOT NULL DEFAULT 1,
  result       jsonb,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (rule_id, event_id)
);
CREATE INDEX automation_runs_case_idx ON automation_runs (case_id);

CREATE TABLE webhook_deliveries (
  id               bigserial PRIMARY KEY,
  endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event            text NOT NULL,
  -- the case event it was made from (null for a test ping or a replay's own copy)
  source_event_id  bigint,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'succeeded', 'failed')),
  attempts         int NOT NULL DEFAULT 0,
  last_status_code int,
  last_error       text,
  next_attempt_at  timestamptz,
  replay_of        bigint REFERENCES webhook_deliveries(id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- at-least-once processing of the inbox makes one delivery per (endpoint, event, case event)
CREATE UNIQUE INDEX webhook_deliveries_once_uq ON webhook_deliveries (endpoint_id, event, source_event_id) WHERE source_event_id IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');

CREATE TABLE webhook_attempts (
  id           bigserial PRIMARY KEY,
  delivery_id  bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt      int NOT NULL,
  status_code  int,
  error        text,
  duration_ms  int,
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);

-- The shipped examples, disabled until an admin turns them on.
INSERT INTO automation_rules (name, position, enabled, trigger, conditions, actions, stop_processing, example_key) VALUES
  ('Refund requests go to billing', 10, false, '{"on": "case_created"}',
   '{"keywords": {"words": ["refund", "بازپرداخت"], "in": "subject"}}',
   '[{"type": "set_queue", "queueName": "billing"}]', false, 'refund-to-billing'),
  ('VIP customers get high priority', 20, false, '{"on": "case_created"}',
   '{"customerTiers": ["vip"]}',
   '[{"type": "set_priority", "priority": "high"}]', false, 'vip-high'),
  ('Complaints notify the supervisors', 30, false, '{"on": "case_created"}',
   '{"keywords": {"words": ["complaint", "شکایت"], "in": "both"}}',
   '[{"type": "notify", "to": "supervisors", "text": "A complaint came in"}]', false, 'complaint-notify'),
  ('Close solved cases after 7 days without a reply', 40, false, '{"on": "time", "since": "status", "hours": 168}',
   '{"statuses": ["solved"]}',
   '[{"type": "set_status", "status": "closed"}]', false, 'solved-7d-close');
