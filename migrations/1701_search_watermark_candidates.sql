-- The search indexer's watermark moves by transaction ids instead of by age (server/src/search/search-indexer.ts):
-- a pass records the highest id it can see together with its snapshot's xmax; a later pass moves the
-- watermark there once every transaction that was running at that moment has ended. Before, the watermark
-- trailed by a fixed minute, and every pass re-read the last minute of rows of each source.
ALTER TABLE search_watermarks
  ADD COLUMN candidate_through bigint,
  ADD COLUMN candidate_xmax bigint,
  ADD COLUMN candidate_at timestamptz;
