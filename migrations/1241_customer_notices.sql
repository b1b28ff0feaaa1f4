-- Customer notifications (templates per event and language, auto-close, CSAT requests by link) and the
-- agent notification store growing beyond mentions (SLA, reminders, reassignments, rule notices).

-- Admin-edited templates; an event/language without a row uses the default shipped in code
-- (server/src/customer-messages/notice-templates.ts).
CREATE TABLE notice_templates (
  event       text NOT NULL CHECK (event IN ('received', 'replied', 'needs_reply', 'solved', 'closed', 'csat')),
  language    text NOT NULL CHECK (language IN ('en', 'fa')),
  subject     text NOT NULL,
  body        text NOT NULL,
  -- the text for SMS (short; the body is for email)
  sms         text NOT NULL,
  updated_by  bigint REFERENCES agents(id) ON DELETE SET NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event, language)
);

-- { "received": true, "solved": false, ... } (unset: on); auto-close after N days solved without a reply (0: never)
ALTER TABLE organisation_settings
  ADD COLUMN notice_events jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN auto_close_days int NOT NULL DEFAULT 7 CHECK (auto_close_days BETWEEN 0 AND 365);

-- One row per notice a case is owed. Written in the statement or transaction that causes it (a new case,
-- a status change), materialised by the customer-notices worker into an outbound interaction, which the
-- outbound worker delivers at most once. `occurrence` tells two solves of one case apart.
CREATE TABLE case_notices (
  id              bigserial PRIMARY KEY,
  case_id         bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  event           text NOT NULL,
  occurrence      text NOT NULL DEFAULT '',
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'skipped')),
  interaction_id  bigint REFERENCES interactions(id) ON DELETE SET NULL,
  skip_reason     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, event, occurrence)
);
CREATE INDEX case_notices_pending_idx ON case_notices (id) WHERE state = 'pending';

-- A CSAT link sent by SMS or email: rating without signing in to the portal (hashed; one rating, changeable until expiry).
CREATE TABLE csat_requests (
  token_hash   text PRIMARY KEY,
  case_id      bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  customer_id  bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  language     text NOT NULL DEFAULT 'en',
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE csat_ratings DROP CONSTRAINT csat_ratings_source_check;
ALTER TABLE csat_ratings ADD CONSTRAINT csat_ratings_source_check CHECK (source IN ('chat', 'portal', 'link'));

-- Agent notifications: more kinds, an optional case, and what the notice is about (data).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('mention', 'sla_warning', 'sla_breach', 'reminder_due', 'reassigned', 'rule'));
ALTER TABLE notifications ADD COLUMN data jsonb NOT NULL DEFAULT '{}';
