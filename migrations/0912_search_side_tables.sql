-- Search indexes off the ingest path. The GIN indexes over message text (full text), case subjects and
-- identity values (trigram) were written by every message ingest recorded, and the subject's by every
-- non-HOT update of a case (each routing step). They move to side tables that a worker fills
-- asynchronously (server/src/search/search-indexer.ts); searches read the side tables plus the few
-- rows not indexed yet (server/src/search/workspace-search.ts), so a search still finds a message
-- committed a moment ago.

-- Per source table: every row with an id up to indexed_through has its side row (rows above it may too).
CREATE TABLE search_watermarks (
  source           text PRIMARY KEY CHECK (source IN ('interactions', 'cases', 'customer_identities')),
  indexed_through  bigint NOT NULL
);

CREATE TABLE interaction_search (
  interaction_id  bigint PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
  doc             tsvector NOT NULL
);
CREATE TABLE case_subject_search (
  case_id        bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
  subject_lower  text NOT NULL
);
CREATE TABLE identity_search (
  identity_id  bigint PRIMARY KEY REFERENCES customer_identities(id) ON DELETE CASCADE,
  value        text NOT NULL
);

INSERT INTO interaction_search (interaction_id, doc)
  SELECT id, to_tsvector('simple', coalesce(subject, '') || ' ' || text) FROM interactions;
INSERT INTO case_subject_search (case_id, subject_lower) SELECT id, lower(subject) FROM cases;
INSERT INTO identity_search (identity_id, value) SELECT id, value FROM customer_identities;
INSERT INTO search_watermarks (source, indexed_through) VALUES
  ('interactions', (SELECT coalesce(max(id), 0) FROM interactions)),
  ('cases', (SELECT coalesce(max(id), 0) FROM cases)),
  ('customer_identities', (SELECT coalesce(max(id), 0) FROM customer_identities));

CREATE INDEX interaction_search_doc_idx ON interaction_search USING gin (doc);
CREATE INDEX case_subject_search_trgm_idx ON case_subject_search USING gin (subject_lower gin_trgm_ops);
CREATE INDEX identity_search_trgm_idx ON identity_search USING gin (value gin_trgm_ops);

DROP INDEX IF EXISTS interactions_text_idx;
DROP INDEX IF EXISTS cases_subject_trgm_idx;
DROP INDEX IF EXISTS customer_identities_value_trgm_idx;
