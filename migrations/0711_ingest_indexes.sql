-- Every write of a case row that cannot be a HOT update touches every index on cases, so each index
-- has to earn its cost on the ingest and routing path.
-- Full text over case subjects: no query uses it (search matches subjects by trigram, cases_subject_trgm_idx).
DROP INDEX IF EXISTS cases_subject_fts_idx;
-- The assignee's open cases: cases_assignee_channel_idx (assignee_id, channel) has the same predicate and
-- serves every lookup by assignee alone through its leading column.
DROP INDEX IF EXISTS cases_assignee_idx;
