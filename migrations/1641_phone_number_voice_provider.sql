-- A phone number names the provider carrying its calls (Admin → Phone numbers): Twilio or Asterisk; null = the
-- deployment's own (Asterisk where only ARI is configured, else Twilio), as numbers set up before this said nothing.
ALTER TABLE phone_numbers ADD CONSTRAINT phone_numbers_provider_check CHECK (provider IS NULL OR provider IN ('twilio', 'asterisk'));
