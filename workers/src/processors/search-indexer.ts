import type pg from 'pg';
import type { Log as Logger } from '../../../server/src/lib/log.js';
import { indexSearchBacklog } from '../../../server/src/search/search-indexer.js';
import { startDrainLoop } from '../../../server/src/lib/drain-loop.js';

/**
 * Keeps the search side tables filled (migration 0912): new messages, case subjects and identities are
 * indexed here, off the ingest path. A backlog is worked off batch after batch without waiting.
 */
export function startSearchIndexer(deps: { db: pg.Pool; log: Logger; intervalMs: number }): () => Promise<void> {
  return startDrainLoop({
    drain: () => indexSearchBacklog(deps.db),
    intervalMs: deps.intervalMs,
    log: deps.log,
    failure: 'search indexing failed; will retry (search reads rows not indexed yet directly)',
  });
}
