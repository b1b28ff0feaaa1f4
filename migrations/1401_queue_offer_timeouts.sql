-- Per-queue offer timeout: how long an agent has to accept an offer of this queue's cases, per channel
-- in seconds (e.g. {"chat": 30, "email": 120}). A channel not named uses the hub's default
-- (ROUTING_OFFER_TIMEOUT_LIVE_MS for voice/chat, ROUTING_OFFER_TIMEOUT_ASYNC_MS for the others).
ALTER TABLE queues ADD COLUMN offer_timeouts jsonb NOT NULL DEFAULT '{}'::jsonb
  CHECK (jsonb_typeof(offer_timeouts) = 'object');
