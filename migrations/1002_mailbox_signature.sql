-- The signature a mailbox adds under agents' replies, per language: { "en": "ACME Support\nhttps://acme.example", "fa": "…" }.
ALTER TABLE mailboxes ADD COLUMN signature jsonb NOT NULL DEFAULT '{}';
