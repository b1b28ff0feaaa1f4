import type pg from 'pg';
import type { Log as Logger } from '../../../server/src/lib/log.js';
import { indexSearchBacklog } from '../../../server/src/search/search-indexer.js';
import { startDrainLoop } from '../../../server/src/lib/drain-loop.js';

/** Rows per source per pass. */
const BATCH = 2000;

/**
 * Keeps the search side tables filled (migration 0912): new messages, case subjects and identities are
 * indexed here, off the ingest path. A backlog is worked off batch after batch without waiting.
 *
 * Only a backlog: a pass reads every row above its source's watermark, which trails the newest rows by
 * SEARCH_SETTLE_MS, to find the few it has not indexed. Under a steady stream of messages each pass found a
 * handful, so passing again at once re-read the same couple of seconds of rows several times a second; that
 * was most of the indexer's Postgres time. Once a pass comes back with less than a batch per source the next
 * one waits for the interval (SEARCH_INDEX_MS); search reads the rows not indexed yet directly meanwhile.
 */
export function startSearchIndexer(deps: { db: pg.Pool; log: Logger; intervalMs: number }): () => Promise<void> {
  return startDrainLoop({
    drain: async () => {
      const indexed = await indexSearchBacklog(deps.db, BATCH);
      // the sum over the sources: a source that came back full makes it reach a batch, so a backlog never waits
      // (the sum may reach it with none full too: then one pass more than needed)
      return indexed >= BATCH ? indexed : 0;
    },
    intervalMs: deps.intervalMs,
    log: deps.log,
    failure: 'search indexing failed; will retry (search reads rows not indexed yet directly)',
  });
}
