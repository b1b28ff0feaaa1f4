-- Where each customer identity came from, so outbound SMS and calls go only to numbers the customer used
-- themselves or that a supervisor vouched for: 'inbound' (the customer wrote, called or signed in from it) or
-- 'staff' (typed in the workspace; the person and their role at the time are kept).
ALTER TABLE customer_identities
  ADD COLUMN origin text NOT NULL DEFAULT 'inbound' CHECK (origin IN ('inbound', 'staff')),
  ADD COLUMN added_by_agent_id bigint REFERENCES agents(id) ON DELETE SET NULL,
  ADD COLUMN added_by_role text CHECK (added_by_role IN ('agent', 'supervisor', 'admin')),
  ADD CONSTRAINT customer_identities_staff_origin CHECK (origin <> 'staff' OR added_by_role IS NOT NULL);

-- Identities added in the workspace before origins were recorded: the audit log says who added them.
UPDATE customer_identities ci
   SET origin = 'staff', added_by_agent_id = x.actor_id, added_by_role = COALESCE(x.role, 'agent')
  FROM (SELECT DISTINCT ON (l.after->>'kind', l.after->>'value') l.after->>'kind' AS kind, l.after->>'value' AS value, l.actor_id, a.role
          FROM audit_log l LEFT JOIN agents a ON a.id = l.actor_id
         WHERE l.action = 'identity_add' AND l.entity = 'customer'
         ORDER BY l.after->>'kind', l.after->>'value', l.id DESC) x
 WHERE ci.kind = x.kind AND ci.value = x.value;

-- An email address an anonymous visitor typed (pre-chat form, offline message) is only a claim until proved:
-- it stays on the visitor's own customer and never joins, or becomes, another customer's identity.
ALTER TABLE customers ADD COLUMN claimed_email text CHECK (claimed_email = lower(claimed_email));
CREATE INDEX customers_claimed_email_idx ON customers (claimed_email) WHERE claimed_email IS NOT NULL AND merged_into_id IS NULL;

-- Pre-chat emails used to be stored as (unverified) identities of the visitor's customer: make them claims.
WITH claims AS (
  DELETE FROM customer_identities ci USING chat_visitors v
   WHERE ci.kind = 'email' AND NOT ci.verified AND v.customer_id = ci.customer_id AND v.email = ci.value
     AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = ci.customer_id AND i.direction = 'inbound'
                        AND i.channel = 'email' AND i.from_address = ci.value)
  RETURNING ci.customer_id, ci.value
)
UPDATE customers c SET claimed_email = claims.value FROM claims WHERE c.id = claims.customer_id;

-- A visitor proves an address by opening the confirmation link mailed there.
ALTER TABLE chat_visitors ADD COLUMN email_verified_at timestamptz;

-- At most one transcript per conversation.
CREATE TABLE chat_transcripts (
  case_id     bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
  visitor_id  text NOT NULL,
  email       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A transcript asked for at an address nobody has proved yet: the link mailed there (fixed text only) confirms it.
CREATE TABLE transcript_confirmations (
  id          bigserial PRIMARY KEY,
  token_hash  text NOT NULL UNIQUE,
  visitor_id  text NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
  case_id     bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  email       text NOT NULL,
  language    text NOT NULL DEFAULT 'en',
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transcript_confirmations_case_idx ON transcript_confirmations (case_id);
