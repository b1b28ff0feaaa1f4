import type pg from 'pg';
import type { Queryable } from '../db/pool.js';

/**
 * Fills the search side tables (migration 0912) from the rows ingest and everyone else write, so that no
 * writer pays for GIN indexes. Each source has a watermark: every row with an id up to it has its side row.
 * Rows above it are indexed as they appear (an anti-join on the side table's key) and searched directly
 * until then (workspace-search.ts), so the lag costs search a little time, never a result.
 *
 * Ids are taken when a row is inserted but become visible when its transaction commits, so a row above
 * the watermark may still be invisible and must not be passed over. A pass therefore records a candidate
 * (migration 1701): the highest id it sees, with its snapshot's xmax. Every row at or below that id was
 * written by a transaction that had begun writing by then, so once the oldest running transaction is
 * younger than that xmax (the snapshot's xmin has passed it), all of them have ended and a later pass
 * indexes whatever they committed; the watermark then moves to the candidate. A candidate is also at
 * least SEARCH_SETTLE_MS old: an id is drawn a moment before its transaction gets its id, inside the same
 * statement. A long transaction holds that rule back (the rows above the watermark are then read on every
 * pass) until they are SEARCH_STALE_SECONDS old, the rule this replaced.
 */
export const SEARCH_SETTLE_MS = 2_000;
/**
 * Rows older than this are passed whatever the transaction ids say (the rule before migration 1701): a writer's
 * transaction is short (ingest's statements time out after seconds), while a long transaction anywhere on the
 * cluster, even in another database, holds the transaction-id rule back.
 */
export const SEARCH_STALE_SECONDS = 60;

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
export async function indexSearchBacklog(db: pg.Pool, batch = 2000, settleMs = SEARCH_SETTLE_MS): Promise<number> {
  let n = 0;
  for (const s of SEARCH_SOURCES) {
    const client = await db.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // the row lock makes two indexers (two worker processes) take turns instead of doing the work twice;
      // this statement's snapshot xmin is taken before the insert below reads, so what it proves ended is seen there
      const w = (
        await client.query(
          `SELECT indexed_through, candidate_through, candidate_xmax,
                  candidate_at <= now() - make_interval(secs => $2::float8 / 1000) AS settled_age,
                  pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin_now
             FROM search_watermarks WHERE source = $1 FOR UPDATE NOWAIT`,
          [s.source, settleMs],
        )
      ).rows[0];
      const wm = Number(w?.indexed_through ?? 0);
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
      const settled = w?.candidate_through != null && w.settled_age && Number(w.xmin_now) >= Number(w.candidate_xmax);
      const through = settled ? Math.max(wm, cap == null ? Number(w.candidate_through) : Math.min(cap, Number(w.candidate_through))) : wm;
      // a new candidate once the last one is used up (kept while unsettled, or a steady stream would never settle one)
      const renew = w?.candidate_through == null || (settled && through >= Number(w.candidate_through));
      await client.query(
        // the transaction-id rule (through) or, when a transaction anywhere on the cluster stays open long (ids are
        // the cluster's, so another database's writer holds the rule back too), rows older than SEARCH_STALE_SECONDS
        `UPDATE search_watermarks
            SET indexed_through = GREATEST($2::bigint, coalesce((
                  SELECT max(t.id) FROM ${s.source} t
                   WHERE t.id > $2 AND ($4::bigint IS NULL OR t.id <= $4) AND t.created_at < now() - make_interval(secs => $5)
                ), $2)),
                candidate_through = CASE WHEN $3 THEN (SELECT max(t.id) FROM ${s.source} t) ELSE candidate_through END,
                candidate_xmax = CASE WHEN $3 THEN pg_snapshot_xmax(pg_current_snapshot())::text::bigint ELSE candidate_xmax END,
                candidate_at = CASE WHEN $3 THEN statement_timestamp() ELSE candidate_at END
          WHERE source = $1`,
        [s.source, through, renew, cap, SEARCH_STALE_SECONDS],
      );
      await client.query('COMMIT');
    } catch (err) {
      // a connection that cannot even roll back is not given back to the pool
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: Error) => e,
      );
      // another indexer holds this source's watermark: this pass leaves the source to it
      const code = (err as { code?: string }).code;
      if (code !== '55P03') throw err;
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
