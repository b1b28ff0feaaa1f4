-- Case views and macros (issue 16): saved filters of the case list, and named sets of case actions with a
-- reply per language.

-- A saved view is its owner's, or shared with every staff member (shared = true, made by a supervisor).
-- The filter is the JSON of contracts/case-views.ts CaseFilter, validated again when it is read.
CREATE TABLE case_views (
  id              bigserial PRIMARY KEY,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  owner_agent_id  bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  shared          boolean NOT NULL DEFAULT false,
  filter          jsonb NOT NULL DEFAULT '{}',
  sort            text NOT NULL DEFAULT 'activity' CHECK (sort IN ('priority', 'age', 'due', 'activity')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_views_owner_idx ON case_views (owner_agent_id);
CREATE INDEX case_views_shared_idx ON case_views (id) WHERE shared;

-- owner_agent_id NULL = shared with everyone (kept by supervisors); otherwise the owner's own.
-- actions: JSON array of contracts/case-views.ts MacroAction; reply: {"en": "...", "fa": "..."}.
CREATE TABLE macros (
  id              bigserial PRIMARY KEY,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  owner_agent_id  bigint REFERENCES agents(id) ON DELETE CASCADE,
  actions         jsonb NOT NULL DEFAULT '[]',
  reply           jsonb NOT NULL DEFAULT '{}',
  reply_internal  boolean NOT NULL DEFAULT false,
  created_by      bigint REFERENCES agents(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX macros_owner_idx ON macros (owner_agent_id);

-- The views' lists read open cases (new, open, pending) by one or two columns and order them; these partial
-- indexes keep those reads off a scan of every case ever closed (EXPLAIN in tests/integration/case-views.test.ts).
-- They stay small: a case leaves them when it is solved or closed.
CREATE INDEX cases_open_queue_idx ON cases (queue_id, last_activity_at DESC) WHERE status IN ('new', 'open', 'pending');
CREATE INDEX cases_open_created_idx ON cases (created_at) WHERE status IN ('new', 'open', 'pending');
CREATE INDEX cases_tags_idx ON cases USING gin (tags) WHERE status IN ('new', 'open', 'pending');
-- (1201 created cases_pending_until_idx for reminders, with a narrower predicate; views need every pending case)
CREATE INDEX cases_pending_due_idx ON cases (pending_until) WHERE status = 'pending';
