-- Live call monitoring (listen / whisper / barge) on both voice providers.
--
-- A Twilio call with an agent now runs as a conference (the caller joins it, the agent is added as a participant),
-- because only a conference lets a third party hear the call, coach the agent or join in. Each connection to an
-- agent gets its own conference name (a cold transfer leaves one conference for the next); Twilio's conference
-- SID arrives with the conference's first event and is what the Participants resource is addressed by.
ALTER TABLE calls ADD COLUMN conference_name text;
ALTER TABLE calls ADD COLUMN conference_sid text;

-- Who monitors which call, how, and on which leg (Twilio: the supervisor participant's CallSid; Asterisk: the
-- supervisor's channel id). A supervisor has at most one live monitor per call (switching the mode updates it);
-- ended rows stay, beside the audit log, as the record of who listened to what.
CREATE TABLE call_monitors (
  id             bigserial PRIMARY KEY,
  call_id        bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  supervisor_id  bigint NOT NULL REFERENCES agents(id),
  mode           text NOT NULL CHECK (mode IN ('listen', 'whisper', 'barge')),
  leg_id         text NOT NULL,
  started_at     timestamptz NOT NULL DEFAULT now(),
  ended_at       timestamptz
);
CREATE UNIQUE INDEX call_monitors_live_idx ON call_monitors (call_id, supervisor_id) WHERE ended_at IS NULL;
CREATE INDEX call_monitors_leg_idx ON call_monitors (leg_id);
