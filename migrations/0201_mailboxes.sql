-- Email channel: mailboxes the hub reads over IMAP and answers from over SMTP, with their sync state.

CREATE TABLE mailboxes (
  id                      bigserial PRIMARY KEY,
  name                    text NOT NULL UNIQUE,
  address                 text NOT NULL UNIQUE CHECK (address = lower(address)),
  display_name            text NOT NULL DEFAULT '',
  queue_id                bigint REFERENCES queues(id) ON DELETE SET NULL,
  active                  boolean NOT NULL DEFAULT true,
  -- 'password' (incl. app passwords) or 'oauth2-microsoft' (Exchange Online, client-credentials app registration)
  auth_method             text NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'oauth2-microsoft')),
  oauth_tenant_id         text,
  oauth_client_id         text,
  oauth_client_secret_enc text,
  imap_host               text,
  imap_port               int NOT NULL DEFAULT 993 CHECK (imap_port BETWEEN 1 AND 65535),
  imap_tls                boolean NOT NULL DEFAULT true,
  imap_user               text,
  -- AES-256-GCM boxes (lib/crypto-box), never plain text
  imap_password_enc       text,
  imap_folder             text NOT NULL DEFAULT 'INBOX',
  -- after ingesting: set \Seen, and optionally move to this folder
  mark_seen               boolean NOT NULL DEFAULT true,
  processed_folder        text,
  -- IDLE delivers new mail at once; this poll is only the fallback
  poll_interval_seconds   int NOT NULL DEFAULT 120 CHECK (poll_interval_seconds BETWEEN 5 AND 86400),
  smtp_host               text,
  smtp_port               int NOT NULL DEFAULT 587 CHECK (smtp_port BETWEEN 1 AND 65535),
  -- 'tls' = implicit TLS (465), 'starttls' = upgrade required (587), 'none' = plain (local relays only)
  smtp_security           text NOT NULL DEFAULT 'starttls' CHECK (smtp_security IN ('tls', 'starttls', 'none')),
  smtp_user               text,
  smtp_password_enc       text,
  auto_ack                boolean NOT NULL DEFAULT true,
  -- optional per-language overrides of the acknowledgement: {"en": {"subject": "...", "text": "..."}}
  auto_ack_templates      jsonb NOT NULL DEFAULT '{}',
  -- sync state: a changed UIDVALIDITY means the folder was rebuilt and is read again (Message-IDs dedupe)
  uid_validity            bigint,
  last_uid                bigint NOT NULL DEFAULT 0,
  last_sync_at            timestamptz,
  last_error              text,
  last_error_at           timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Threading lookups by Message-ID go through interactions(provider, provider_message_id); this one
-- serves the loop and throttle checks by sender.
CREATE INDEX interactions_email_from_time_idx ON interactions(from_address, created_at) WHERE channel = 'email';
