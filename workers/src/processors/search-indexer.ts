import type pg from 'pg';
import type { Log as Logger } from '../../../server/src/lib/log.js';
import { indexSearchBacklog } from '../../../server/src/search/search-indexer.js';

/**
 * Keeps the search side tables filled (migration 0912): new messages, case subjects and identities are
 * indexed here, off the ingest path. A backlog is worked off batch after batch without waiting.
 */
export function startSearchIndexer(deps: { db: pg.Pool; log: Logger; intervalMs: number }): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        while (!stopped && (await indexSearchBacklog(deps.db)) > 0);
      } catch (err) {
        deps.log.warn({ err }, 'search indexing failed; will retry (search reads rows not indexed yet directly)');
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, deps.intervalMs);
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
