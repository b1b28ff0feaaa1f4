-- Web chat visitors, customer portal sign-in and sessions, CSAT ratings, knowledge base.

-- A chat visitor is an anonymous browser identity (customer identity kind 'chat', value = id).
CREATE TABLE chat_visitors (
  id            text PRIMARY KEY,
  token_hash    text NOT NULL UNIQUE,
  customer_id   bigint REFERENCES customers(id),
  name          text,
  email         text,
  language      text NOT NULL DEFAULT 'en',
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);

-- One-time sign-in secrets: a magic link (email) or a short code (SMS). Only hashes are stored.
CREATE TABLE portal_login_tokens (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('link', 'code')),
  secret_hash  text NOT NULL,
  identity_kind  text NOT NULL CHECK (identity_kind IN ('email', 'phone')),
  identity_value text NOT NULL,
  language     text NOT NULL DEFAULT 'en',
  attempts     int NOT NULL DEFAULT 0,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX portal_login_tokens_link_uq ON portal_login_tokens(secret_hash) WHERE kind = 'link';
CREATE INDEX portal_login_tokens_identity_idx ON portal_login_tokens(identity_kind, identity_value, created_at);

CREATE TABLE portal_sessions (
  token_hash     text PRIMARY KEY,
  customer_id    bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  identity_kind  text NOT NULL,
  identity_value text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_sessions_customer_idx ON portal_sessions(customer_id);

-- Customer satisfaction: one rating per case (a later rating replaces the earlier one).
CREATE TABLE csat_ratings (
  case_id      bigint PRIMARY KEY REFERENCES cases(id),
  customer_id  bigint NOT NULL REFERENCES customers(id),
  channel      text NOT NULL,
  agent_id     bigint REFERENCES agents(id),
  rating       int NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment      text NOT NULL DEFAULT '',
  source       text NOT NULL CHECK (source IN ('chat', 'portal')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX csat_ratings_time_idx ON csat_ratings(created_at);

CREATE TABLE kb_articles (
  id             bigserial PRIMARY KEY,
  title          text NOT NULL,
  slug           text NOT NULL UNIQUE,
  body           text NOT NULL DEFAULT '',
  category       text NOT NULL DEFAULT '',
  language       text NOT NULL DEFAULT 'en',
  published      boolean NOT NULL DEFAULT false,
  author_id      bigint REFERENCES agents(id),
  -- written by the application (see kb/search.ts) so English stems and Persian words both match
  search_vector  tsvector NOT NULL DEFAULT ''::tsvector,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_articles_search_idx ON kb_articles USING gin (search_vector);
CREATE INDEX kb_articles_lang_idx ON kb_articles(language, published);
