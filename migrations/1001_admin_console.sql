-- Admin console: organisation settings, business hours per queue or organisation, password-reset links,
-- staff notification preferences, and the first-run link `npm start` prints when no admin exists.

-- One row: the organisation this hub serves.
CREATE TABLE organisation_settings (
  id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
  name                text NOT NULL DEFAULT '',
  default_language    text NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'fa')),
  time_zone           text NOT NULL DEFAULT 'UTC',
  -- chat widget snippet options: { "position": "right", "colour": "#2563eb", "greeting": { "en": "...", "fa": "..." } }
  widget              jsonb NOT NULL DEFAULT '{}',
  -- portal branding: { "name": "...", "colour": "#2563eb", "logoUrl": "https://..." }
  branding            jsonb NOT NULL DEFAULT '{}',
  -- set when the first-run page was completed; the page is gone from then on
  set_up_at           timestamptz,
  -- the link `npm start` prints while no admin exists (hashed; spent on use)
  first_run_token_hash text,
  first_run_expires_at timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organisation_settings (id) VALUES (true);

-- Opening hours: one row for the organisation (queue_id NULL) and optionally one per queue, which wins.
CREATE TABLE business_hours (
  id          bigserial PRIMARY KEY,
  queue_id    bigint REFERENCES queues(id) ON DELETE CASCADE,
  time_zone   text NOT NULL,
  -- { "sat": [["08:00","12:00"],["13:00","17:00"]], ... } — split shifts are several ranges a day
  weekly      jsonb NOT NULL DEFAULT '{}',
  -- [{ "date": "2027-03-21", "name": "Nowruz" }]
  holidays    jsonb NOT NULL DEFAULT '[]',
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX business_hours_scope_uq ON business_hours (coalesce(queue_id, 0));

-- Admin-sent links to choose a new password (invitations too); one live link per person, spent on use.
CREATE TABLE password_reset_tokens (
  token_hash  text PRIMARY KEY,
  agent_id    bigint NOT NULL UNIQUE REFERENCES agents(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- { "offerSound": false } — what the workspace does to get my attention (unset: defaults)
ALTER TABLE agents ADD COLUMN notification_prefs jsonb NOT NULL DEFAULT '{}';
