import type pg from 'pg';
import type { Queryable } from '../db/pool.js';

/**
 * Fills the search side tables (migration 0912) from the rows ingest and everyone else write, so that no
 * writer pays for GIN indexes. Each source has a watermark: every row with an id up to it has its side row.
 * Rows above it are indexed as they appear (an anti-join on the side table's key) and searched directly
 * until then (workspace-search.ts), so the lag costs search a little time, never a result.
 *
 * The watermark only passes rows older than SEARCH_SETTLE_SECONDS: ids are taken when a row is inserted
 * but become visible when its transaction commits, so a younger id may still be invisible and must not be
 * skipped. Transactions that insert these rows are short (ingest's statements time out after seconds).
 */
export const SEARCH_SETTLE_SECONDS = 60;

interface Source {
  source: 'interactions' | 'cases' | 'customer_identities';
  side: string;
  key: string;
  column: string;
  /** the indexed value, computed from the source row `t` */
  value: string;
}

export const SEARCH_SOURCES: readonly Source[] = [
  { source: 'interactions', side: 'interaction_search', key: 'interaction_id', column: 'doc', value: `to_tsvector('simple', coalesce(t.subject, '') || ' ' || t.text)` },
  { source: 'cases', side: 'case_subject_search', key: 'case_id', column: 'subject_lower', value: 'lower(t.subject)' },
  { source: 'customer_identities', side: 'identity_search', key: 'identity_id', column: 'value', value: 't.value' },
];

/** Indexes one batch per source; returns the number of rows indexed (0: caught up). */
export async function indexSearchBacklog(db: pg.Pool, batch = 2000): Promise<number> {
  let n = 0;
  for (const s of SEARCH_SOURCES) {
    const client = await db.connect();
    let broken: Error | undefined;
    try {
      // one snapshot for the whole pass: the watermark never passes a row this pass could not see
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      // the row lock makes two indexers (two worker processes) take turns instead of doing the work twice
      const wm = (await client.query(`SELECT indexed_through FROM search_watermarks WHERE source = $1 FOR UPDATE NOWAIT`, [s.source])).rows[0]?.indexed_through ?? 0;
      const added = await client.query(
        `INSERT INTO ${s.side} (${s.key}, ${s.column})
         SELECT t.id, ${s.value} FROM ${s.source} t
          WHERE t.id > $1 AND NOT EXISTS (SELECT 1 FROM ${s.side} x WHERE x.${s.key} = t.id)
          ORDER BY t.id LIMIT $2
         ON CONFLICT (${s.key}) DO NOTHING
         RETURNING ${s.key} AS id`,
        [wm, batch],
      );
      n += added.rowCount ?? 0;
      // a full batch may have left rows behind it: the watermark stops at the last row indexed
      const cap = (added.rowCount ?? 0) >= batch ? Math.max(...added.rows.map((r) => Number(r.id))) : null;
      await client.query(
        `UPDATE search_watermarks SET indexed_through = GREATEST(indexed_through, coalesce((
           SELECT max(t.id) FROM ${s.source} t
            WHERE t.id > $2 AND ($3::bigint IS NULL OR t.id <= $3) AND t.created_at < now() - make_interval(secs => $4)
         ), indexed_through))
          WHERE source = $1`,
        [s.source, wm, cap, SEARCH_SETTLE_SECONDS],
      );
      await client.query('COMMIT');
    } catch (err) {
      // a connection that cannot even roll back is not given back to the pool
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: Error) => e,
      );
      // another indexer holds or just moved this source's watermark: this pass leaves the source to it
      const code = (err as { code?: string }).code;
      if (code !== '55P03' && code !== '40001') throw err;
    } finally {
      client.release(broken);
    }
  }
  return n;
}

/** Indexes until caught up (tests, benchmarks, a migration's aftermath). */
export async function indexSearchFully(db: pg.Pool): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await indexSearchBacklog(db);
    total += n;
    if (!n) return total;
  }
}

/** A row whose indexed text changed (an edited subject, a voicemail's transcript): its side row now, in the writer's transaction. */
export async function reindexSearchRow(db: Queryable, source: 'interactions' | 'cases', id: number): Promise<void> {
  const s = SEARCH_SOURCES.find((x) => x.source === source)!;
  await db.query(
    `INSERT INTO ${s.side} (${s.key}, ${s.column}) SELECT t.id, ${s.value} FROM ${s.source} t WHERE t.id = $1
     ON CONFLICT (${s.key}) DO UPDATE SET ${s.column} = EXCLUDED.${s.column}`,
    [id],
  );
}
