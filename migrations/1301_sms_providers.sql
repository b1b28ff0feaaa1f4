-- SMS providers: each of the business's numbers names the gateway its texts go through.
-- Twilio numbers keep working unchanged (the default); a Kavenegar line sends and receives through Kavenegar.
ALTER TABLE phone_numbers
  ADD COLUMN sms_provider text NOT NULL DEFAULT 'twilio' CHECK (sms_provider IN ('twilio', 'kavenegar')),
  -- the sender as the provider knows it when that is not the E.164 number itself (a Kavenegar line such as
  -- 10004346 or 2000500666); null = the e164 column
  ADD COLUMN sms_sender text CHECK (sms_sender IS NULL OR sms_sender ~ '^[0-9]{3,20}$');

-- a provider's inbound callback names the line it reached; find it by the provider's own form too
CREATE UNIQUE INDEX phone_numbers_sms_sender_idx ON phone_numbers (sms_provider, sms_sender) WHERE sms_sender IS NOT NULL;
