-- Production gets its first admin from `npm run setup`: the account is created without a usable
-- password and a one-time link (this token, stored hashed) lets its owner choose one.
CREATE TABLE admin_setup_tokens (
  token_hash  text PRIMARY KEY,
  agent_id    bigint NOT NULL UNIQUE REFERENCES agents(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
