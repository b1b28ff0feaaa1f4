-- Agent workspace: canned responses, mention notifications, read markers and search indexes.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE canned_responses (
  id              bigserial PRIMARY KEY,
  -- short name typed after "/" in the composer
  shortcut        text NOT NULL CHECK (shortcut ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  title           text NOT NULL,
  body            text NOT NULL,
  language        text NOT NULL DEFAULT 'en',
  -- null = shared with everyone; otherwise private to that agent
  owner_agent_id  bigint REFERENCES agents(id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX canned_responses_shortcut_uq ON canned_responses (shortcut, language, coalesce(owner_agent_id, 0));

INSERT INTO canned_responses (shortcut, title, body, language) VALUES
  ('hello', 'Greeting', 'Hello {{customer.name}}, thank you for contacting us. My name is {{agent.name}} and I will help you with case {{case.ref}}.', 'en'),
  ('thanks', 'Closing', 'Thank you {{customer.name}}. If anything else comes up, just reply to this message and mention {{case.ref}}.', 'en'),
  ('wait', 'Checking', 'Thank you for your patience, {{customer.name}}. I am checking this for you now.', 'en'),
  ('hello', 'سلام', 'سلام {{customer.name}}، از تماس شما سپاسگزاریم. من {{agent.name}} هستم و پیگیری درخواست {{case.ref}} را بر عهده دارم.', 'fa'),
  ('thanks', 'پایان', 'سپاس {{customer.name}}. اگر پرسش دیگری داشتید، کافی است به همین پیام پاسخ دهید و شماره {{case.ref}} را ذکر کنید.', 'fa');

-- Things an agent must see: someone @mentioned them in a note.
CREATE TABLE notifications (
  id              bigserial PRIMARY KEY,
  agent_id        bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('mention')),
  case_id         bigint REFERENCES cases(id) ON DELETE CASCADE,
  interaction_id  bigint REFERENCES interactions(id) ON DELETE CASCADE,
  actor_agent_id  bigint REFERENCES agents(id) ON DELETE SET NULL,
  text            text NOT NULL DEFAULT '',
  read_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_agent_idx ON notifications (agent_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (agent_id) WHERE read_at IS NULL;

-- When an agent last looked at a case: interactions newer than this are unread for them.
CREATE TABLE case_reads (
  agent_id      bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  case_id       bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  last_read_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, case_id)
);

-- Search: substring matches on names, addresses and subjects; full text on message bodies (index in 0001).
CREATE INDEX customers_name_trgm_idx ON customers USING gin (lower(name) gin_trgm_ops);
CREATE INDEX customer_identities_value_trgm_idx ON customer_identities USING gin (value gin_trgm_ops);
CREATE INDEX cases_subject_trgm_idx ON cases USING gin (lower(subject) gin_trgm_ops);
CREATE INDEX interactions_customer_desc_idx ON interactions (customer_id, created_at DESC, id DESC);
CREATE INDEX cases_customer_time_idx ON cases (customer_id, created_at DESC);
CREATE INDEX cases_last_activity_idx ON cases (assignee_id, last_activity_at DESC);
