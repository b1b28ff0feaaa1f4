import type pg from 'pg';
import { withTransaction } from '../db/pool.js';

/**
 * A transaction that is retried when Postgres aborts it for a deadlock or a serialisation
 * failure: routing paths lock agents and cases in different orders under load.
 */
export async function withRetryingTx<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>, attempts = 5): Promise<T> {
  return retryingConflicts(() => withTransaction(pool, fn), attempts);
}

/** Runs a transition again when Postgres aborted it for a deadlock or a serialization failure. */
export async function retryingConflicts<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * i));
    }
  }
}
