-- Recorded voice prompts a phone number uses instead of the default set (assets/voice-prompts):
-- {"fa": {"greeting": {"storageKey": "...", "contentType": "audio/wav", "sha256": "...", "size": 12345, "uploadedAt": "..."}}}
-- The audio itself is in the attachment store.
ALTER TABLE phone_numbers ADD COLUMN prompts jsonb NOT NULL DEFAULT '{}';
