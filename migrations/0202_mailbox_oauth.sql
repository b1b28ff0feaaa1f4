-- OAuth2 sign-in for mailboxes (Exchange Online). The columns joined 0201 before its first release; this
-- adds them to databases that applied the earlier 0201.
ALTER TABLE mailboxes ADD COLUMN IF NOT EXISTS auth_method text NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'oauth2-microsoft'));
ALTER TABLE mailboxes ADD COLUMN IF NOT EXISTS oauth_tenant_id text;
ALTER TABLE mailboxes ADD COLUMN IF NOT EXISTS oauth_client_id text;
ALTER TABLE mailboxes ADD COLUMN IF NOT EXISTS oauth_client_secret_enc text;
