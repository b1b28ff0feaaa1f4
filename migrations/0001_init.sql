-- contact-hub core schema: people, cases, interactions, routing state, events.
-- Later migrations are numbered per domain: 01xx routing, 02xx email, 03xx sms/voice, 04xx chat/portal/kb, 05xx agent workspace.

CREATE TABLE agents (
  id                        bigserial PRIMARY KEY,
  email                     text NOT NULL UNIQUE CHECK (email = lower(email)),
  name                      text NOT NULL,
  password_hash             text NOT NULL,
  role                      text NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor', 'admin')),
  language                  text NOT NULL DEFAULT 'en',
  skills                    text[] NOT NULL DEFAULT '{}',
  -- per-channel concurrent case capacity; voice is exclusive by default (see routing)
  capacity                  jsonb NOT NULL DEFAULT '{"voice":1,"chat":3,"sms":5,"email":5,"portal":5,"api":5}',
  phone                     text,
  presence                  text NOT NULL DEFAULT 'offline' CHECK (presence IN ('available', 'away', 'offline')),
  presence_changed_at       timestamptz NOT NULL DEFAULT now(),
  -- "longest available" = idle since this moment (last assignment ended or went available)
  idle_since                timestamptz NOT NULL DEFAULT now(),
  consecutive_timeouts      int NOT NULL DEFAULT 0,
  active                    boolean NOT NULL DEFAULT true,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash    text PRIMARY KEY,
  agent_id      bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  ip            text,
  user_agent    text
);
CREATE INDEX sessions_agent_idx ON sessions(agent_id);

CREATE TABLE api_keys (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  created_by  bigint REFERENCES agents(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE queues (
  id                   bigserial PRIMARY KEY,
  name                 text NOT NULL UNIQUE,
  description          text NOT NULL DEFAULT '',
  required_skills      text[] NOT NULL DEFAULT '{}',
  channels             text[] NOT NULL DEFAULT '{voice,chat,sms,email,portal,api}',
  is_default           boolean NOT NULL DEFAULT false,
  overflow_queue_id    bigint REFERENCES queues(id) ON DELETE SET NULL,
  -- [{ "afterSeconds": 120, "overflowQueueId": 3, "priorityDelta": -5 }]
  escalation_steps     jsonb NOT NULL DEFAULT '[]',
  -- per-channel base priority overrides, e.g. {"email": 55}
  priority_overrides   jsonb NOT NULL DEFAULT '{}',
  -- service-level threshold seconds per channel, e.g. {"voice": 20}
  sl_thresholds        jsonb NOT NULL DEFAULT '{}',
  max_wait_seconds     int,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE queue_members (
  queue_id  bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  agent_id  bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_members_agent_idx ON queue_members(agent_id);

CREATE TABLE customers (
  id              bigserial PRIMARY KEY,
  name            text,
  language        text NOT NULL DEFAULT 'en',
  tier            text NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard', 'vip')),
  tags            text[] NOT NULL DEFAULT '{}',
  notes           text NOT NULL DEFAULT '',
  merged_into_id  bigint REFERENCES customers(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_name_idx ON customers (lower(name));

-- One identity (a phone number, an email address, a chat visitor, a portal account) belongs to one customer.
CREATE TABLE customer_identities (
  id            bigserial PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('phone', 'email', 'chat', 'portal', 'api')),
  value         text NOT NULL,
  verified      boolean NOT NULL DEFAULT false,
  opted_out_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, value),
  CHECK (kind <> 'email' OR value = lower(value)),
  CHECK (kind <> 'phone' OR value ~ '^\+[1-9][0-9]{6,14}$')
);
CREATE INDEX customer_identities_customer_idx ON customer_identities(customer_id);

CREATE SEQUENCE case_number_seq START 1001;

CREATE TABLE cases (
  id                     bigserial PRIMARY KEY,
  number                 bigint NOT NULL UNIQUE DEFAULT nextval('case_number_seq'),
  customer_id            bigint NOT NULL REFERENCES customers(id),
  subject                text NOT NULL DEFAULT '',
  type                   text NOT NULL DEFAULT 'question' CHECK (type IN ('question', 'incident', 'problem', 'request', 'task', 'complaint', 'callback')),
  status                 text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'pending', 'solved', 'closed')),
  priority               text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  channel                text NOT NULL CHECK (channel IN ('voice', 'chat', 'sms', 'email', 'portal', 'api')),
  queue_id               bigint REFERENCES queues(id),
  assignee_id            bigint REFERENCES agents(id),
  tags                   text[] NOT NULL DEFAULT '{}',
  language               text,
  -- routing: none → waiting → offered → assigned; waiting cases keep first_queued_at across re-offers
  routing_state          text NOT NULL DEFAULT 'none' CHECK (routing_state IN ('none', 'waiting', 'offered', 'assigned')),
  first_queued_at        timestamptz,
  routing_priority       int,
  -- set in the ingest transaction, cleared once the routing job is on Redis; the recovery sweep re-adds the rest
  enqueue_pending        boolean NOT NULL DEFAULT false,
  last_agent_id          bigint REFERENCES agents(id),
  last_agent_at          timestamptz,
  first_response_due_at  timestamptz,
  resolution_due_at      timestamptz,
  first_response_at      timestamptz,
  solved_at              timestamptz,
  closed_at              timestamptz,
  pending_until          timestamptz,
  resolution_note        text,
  merged_into_id         bigint REFERENCES cases(id),
  last_activity_at       timestamptz NOT NULL DEFAULT now(),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_customer_idx ON cases(customer_id, channel, status);
CREATE INDEX cases_assignee_idx ON cases(assignee_id) WHERE status IN ('new', 'open', 'pending');
CREATE INDEX cases_waiting_idx ON cases(routing_priority, first_queued_at) WHERE routing_state = 'waiting';
CREATE INDEX cases_enqueue_pending_idx ON cases(id) WHERE enqueue_pending;
CREATE INDEX cases_subject_fts_idx ON cases USING gin (to_tsvector('simple', subject));

CREATE TABLE case_links (
  case_id         bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  linked_case_id  bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  kind            text NOT NULL DEFAULT 'related' CHECK (kind IN ('related', 'follow_up', 'merged', 'callback')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, linked_case_id)
);

-- People other than the customer who take part in a case (e.g. CC'd on email).
CREATE TABLE case_participants (
  case_id     bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  kind        text NOT NULL,
  value       text NOT NULL,
  role        text NOT NULL DEFAULT 'cc',
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, kind, value)
);

-- Every inbound provider payload exactly as received, before any interpretation.
CREATE TABLE raw_events (
  id                   bigserial PRIMARY KEY,
  provider             text NOT NULL,
  provider_message_id  text,
  channel              text NOT NULL,
  headers              jsonb NOT NULL DEFAULT '{}',
  payload              jsonb NOT NULL,
  status               text NOT NULL DEFAULT 'processed' CHECK (status IN ('processed', 'rejected', 'flagged')),
  error                text,
  received_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX raw_events_provider_msg_uq ON raw_events(provider, provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE TABLE interactions (
  id                   bigserial PRIMARY KEY,
  case_id              bigint NOT NULL REFERENCES cases(id),
  customer_id          bigint NOT NULL REFERENCES customers(id),
  channel              text NOT NULL CHECK (channel IN ('voice', 'chat', 'sms', 'email', 'portal', 'api')),
  direction            text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
  kind                 text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'call', 'note', 'voicemail', 'system')),
  author_agent_id      bigint REFERENCES agents(id),
  from_address         text,
  to_address           text,
  subject              text,
  text                 text NOT NULL DEFAULT '',
  html                 text,
  provider             text,
  provider_message_id  text,
  delivery_status      text NOT NULL DEFAULT 'received' CHECK (delivery_status IN ('received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'blocked')),
  delivery_error       text,
  metadata             jsonb NOT NULL DEFAULT '{}',
  raw_event_id         bigint REFERENCES raw_events(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX interactions_provider_msg_uq ON interactions(provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX interactions_customer_time_idx ON interactions(customer_id, created_at, id);
CREATE INDEX interactions_case_time_idx ON interactions(case_id, created_at, id);
CREATE INDEX interactions_text_idx ON interactions USING gin (to_tsvector('simple', coalesce(subject, '') || ' ' || text));

CREATE TABLE attachments (
  id              bigserial PRIMARY KEY,
  interaction_id  bigint REFERENCES interactions(id) ON DELETE CASCADE,
  filename        text NOT NULL,
  content_type    text NOT NULL DEFAULT 'application/octet-stream',
  size_bytes      bigint NOT NULL,
  sha256          text NOT NULL,
  storage_key     text NOT NULL,
  content_id      text,
  inline          boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_interaction_idx ON attachments(interaction_id);

-- The event log every KPI is computed from.
CREATE TABLE case_events (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases(id),
  type        text NOT NULL CHECK (type IN (
                'created', 'queued', 'requeued', 'offered', 'accepted', 'declined', 'timed_out', 'rescinded',
                'assigned', 'unassigned', 'transferred', 'escalated', 'status_changed', 'priority_changed',
                'first_response', 'solved', 'reopened', 'closed', 'abandoned', 'sla_warning', 'sla_breach',
                'merged', 'updated', 'interaction')),
  agent_id    bigint REFERENCES agents(id),
  queue_id    bigint REFERENCES queues(id),
  channel     text,
  data        jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_case_idx ON case_events(case_id, created_at);
CREATE INDEX case_events_type_time_idx ON case_events(type, created_at);

CREATE TABLE offers (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id       bigint NOT NULL REFERENCES cases(id),
  agent_id      bigint NOT NULL REFERENCES agents(id),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'timed_out', 'rescinded')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  responded_at  timestamptz
);
-- at most one live offer per case
CREATE UNIQUE INDEX offers_pending_case_uq ON offers(case_id) WHERE status = 'pending';
CREATE INDEX offers_agent_idx ON offers(agent_id) WHERE status = 'pending';

CREATE TABLE agent_presence_log (
  id          bigserial PRIMARY KEY,
  agent_id    bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  presence    text NOT NULL,
  reason      text,
  started_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_presence_log_agent_idx ON agent_presence_log(agent_id, started_at);

CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  actor_id    bigint REFERENCES agents(id),
  action      text NOT NULL,
  entity      text NOT NULL,
  entity_id   text,
  before      jsonb,
  after       jsonb,
  ip          text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON audit_log(entity, entity_id);
