-- Every hand-over of an outbound message to its provider, recorded BEFORE the call and finished
-- after it. A row still 'pending' after its lease means the process died between the call and the
-- record: the outcome is unknown and is reconciled with the provider before any new attempt.
CREATE TABLE delivery_attempts (
  id                  bigserial PRIMARY KEY,
  -- an agent reply / acknowledgement (interaction) or a system message (sign-in link or code,
  -- transcript, reply notice) identified by its job's idempotency key
  interaction_id      bigint REFERENCES interactions(id) ON DELETE CASCADE,
  system_key          text,
  channel             text NOT NULL,
  attempt             int NOT NULL,
  started_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz,
  outcome             text NOT NULL DEFAULT 'pending'
                      CHECK (outcome IN ('pending', 'accepted', 'failed', 'not_sent', 'unknown')),
  provider            text,
  provider_message_id text,
  provider_code       text,
  error               text,
  -- what reconciliation needs (to, from, a digest of the body, the Message-ID); never the body itself
  request             jsonb NOT NULL DEFAULT '{}',
  CHECK ((interaction_id IS NULL) <> (system_key IS NULL))
);
CREATE INDEX delivery_attempts_interaction ON delivery_attempts (interaction_id, attempt) WHERE interaction_id IS NOT NULL;
CREATE INDEX delivery_attempts_system ON delivery_attempts (system_key, attempt) WHERE system_key IS NOT NULL;
-- At most one attempt in flight per message: inserting the pending row is the claim.
CREATE UNIQUE INDEX delivery_attempts_one_pending_interaction ON delivery_attempts (interaction_id) WHERE outcome = 'pending' AND interaction_id IS NOT NULL;
CREATE UNIQUE INDEX delivery_attempts_one_pending_system ON delivery_attempts (system_key) WHERE outcome = 'pending' AND system_key IS NOT NULL;
