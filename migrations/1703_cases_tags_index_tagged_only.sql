-- The tags index of open cases holds only tagged ones. A GIN index keeps an entry even for an empty array,
-- so every untagged open case (most of them) paid a GIN insertion at ingest and again at each update that
-- rewrites its row (offer, accept, solve). The views' tag filter (cases/case-filter.ts) states the same
-- condition so that it can use the index.
DROP INDEX cases_tags_idx;
CREATE INDEX cases_tags_idx ON cases USING gin (tags) WHERE status IN ('new', 'open', 'pending') AND tags <> '{}';
