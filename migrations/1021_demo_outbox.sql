-- Demo mode (npm start on a laptop, no SMTP server or Twilio account): replies by email and SMS are kept here,
-- where the agent UI shows them (Admin → Sent mail/SMS), instead of failing. One row per outbound interaction.
CREATE TABLE demo_outbox (
  id              bigserial PRIMARY KEY,
  interaction_id  bigint NOT NULL UNIQUE REFERENCES interactions(id) ON DELETE CASCADE,
  case_id         bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  channel         text NOT NULL,
  to_address      text,
  subject         text,
  text            text NOT NULL,
  attachments     jsonb NOT NULL DEFAULT '[]',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX demo_outbox_created ON demo_outbox (created_at DESC, id DESC);
