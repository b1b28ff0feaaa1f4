-- Each index on cases and interactions is written by every message ingest records (and every non-HOT update
-- of a case by routing). Indexes that another one already serves, and entries no query can ask for, go.

-- (customer_id, created_at, id): interactions_customer_desc_idx has the same columns in the opposite order,
-- and a B-tree is read in either direction.
DROP INDEX IF EXISTS interactions_customer_time_idx;

-- (customer_id, channel, status): a customer has few cases; cases_customer_time_idx (customer_id, created_at
-- DESC) finds them all, for threading as for the customer's timeline.
DROP INDEX IF EXISTS cases_customer_idx;

-- Every reader of these two asks for one agent's cases (assignee_id = …), never for unassigned ones: a new
-- case (unassigned) no longer writes an entry in either.
DROP INDEX IF EXISTS cases_assignee_channel_idx;
CREATE INDEX cases_assignee_channel_idx ON cases(assignee_id, channel)
  WHERE status IN ('new', 'open', 'pending') AND assignee_id IS NOT NULL;
DROP INDEX IF EXISTS cases_last_activity_idx;
CREATE INDEX cases_last_activity_idx ON cases(assignee_id, last_activity_at DESC) WHERE assignee_id IS NOT NULL;

-- A customer known only by a phone number or an address has no name (every SMS sender, most API ones):
-- such rows have nothing to find by name in the trigram index (a GIN insert even for a NULL). Every search
-- on lower(name) implies name IS NOT NULL, so the planner still uses it.
DROP INDEX IF EXISTS customers_name_trgm_idx;
CREATE INDEX customers_name_trgm_idx ON customers USING gin (lower(name) gin_trgm_ops) WHERE name IS NOT NULL;
