-- Voice providers: each call names the provider carrying it (Twilio or Asterisk over ARI), and keeps the few
-- provider facts needed to pick a live call up again after a restart (Asterisk: the bridge, the agent legs and
-- their answer times, the recording running, supervisors' snoop channels).
ALTER TABLE calls ADD COLUMN provider text NOT NULL DEFAULT 'twilio' CHECK (provider IN ('twilio', 'asterisk'));
ALTER TABLE calls ADD COLUMN provider_state jsonb NOT NULL DEFAULT '{}';
-- the Asterisk app's sweeps (maximum wait, position prompts, re-attach) read the live calls of one provider
CREATE INDEX calls_live_provider_idx ON calls (provider, state) WHERE state <> 'completed';

-- Which provider a phone number belongs to (null = Twilio, as before). The SMS providers' migration adds the
-- same column; IF NOT EXISTS lets both run in either order.
ALTER TABLE phone_numbers ADD COLUMN IF NOT EXISTS provider text;
