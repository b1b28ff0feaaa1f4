-- SMS and voice over Twilio: the business's phone numbers, calls and their recordings.

-- Each Twilio number the business owns: where its calls and texts go and how the call is greeted.
CREATE TABLE phone_numbers (
  id                   bigserial PRIMARY KEY,
  e164                 text NOT NULL UNIQUE CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
  friendly_name        text NOT NULL DEFAULT '',
  queue_id             bigint REFERENCES queues(id) ON DELETE SET NULL,
  sms_enabled          boolean NOT NULL DEFAULT true,
  voice_enabled        boolean NOT NULL DEFAULT true,
  -- language of a caller we have never heard from (known customers hear their own language)
  default_language     text NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'fa')),
  -- per-language overrides of the catalogue greeting, e.g. {"en": "Welcome to Acme", "fa": "..."}
  greeting             jsonb NOT NULL DEFAULT '{}',
  -- optional menu: {"prompt": {"en": "..."}, "timeoutSeconds": 6, "options": [{"digit": "1", "queueId": 3, "label": {"en": "sales"}}]}
  ivr                  jsonb,
  -- null = always open; {"timezone": "Asia/Tehran", "weekly": {"sat": [["08:00", "17:00"]], ...}}
  business_hours       jsonb,
  after_hours_message  jsonb NOT NULL DEFAULT '{}',
  voicemail_enabled    boolean NOT NULL DEFAULT true,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- One row per phone call (inbound or agent-initiated); the call's interaction carries it on the case timeline.
CREATE TABLE calls (
  id                bigserial PRIMARY KEY,
  call_sid          text NOT NULL UNIQUE,
  direction         text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  case_id           bigint NOT NULL REFERENCES cases(id),
  interaction_id    bigint NOT NULL REFERENCES interactions(id),
  phone_number_id   bigint REFERENCES phone_numbers(id) ON DELETE SET NULL,
  customer_number   text NOT NULL,
  our_number        text,
  queue_id          bigint REFERENCES queues(id) ON DELETE SET NULL,
  agent_id          bigint REFERENCES agents(id),
  -- the leg that rings the agent (child of a <Dial>, or the first leg of a click-to-call)
  agent_call_sid    text,
  state             text NOT NULL DEFAULT 'ringing'
                    CHECK (state IN ('ringing', 'ivr', 'queued', 'connecting', 'in_progress', 'voicemail', 'completed')),
  outcome           text CHECK (outcome IN ('answered', 'abandoned', 'missed', 'after_hours', 'failed', 'no_answer', 'busy')),
  twilio_status     text,
  queued_at         timestamptz,
  answered_at       timestamptz,
  ended_at          timestamptz,
  -- seconds the customer talked with an agent (AHT); total_seconds includes greeting, menu and waiting
  talk_seconds      int,
  total_seconds     int,
  callback_case_id  bigint REFERENCES cases(id),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_case_idx ON calls(case_id);
CREATE INDEX calls_agent_leg_idx ON calls(agent_call_sid) WHERE agent_call_sid IS NOT NULL;
CREATE INDEX calls_queue_time_idx ON calls(queue_id, ended_at) WHERE talk_seconds IS NOT NULL;

-- Call recordings and voicemails; the audio stays at Twilio and is streamed to agents through the hub.
CREATE TABLE call_recordings (
  id                  bigserial PRIMARY KEY,
  recording_sid       text NOT NULL UNIQUE,
  call_id             bigint REFERENCES calls(id),
  interaction_id      bigint NOT NULL REFERENCES interactions(id),
  kind                text NOT NULL CHECK (kind IN ('call', 'voicemail')),
  url                 text,
  status              text NOT NULL DEFAULT 'completed',
  duration_seconds    int,
  transcription       text,
  transcription_status text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_recordings_interaction_idx ON call_recordings(interaction_id);
