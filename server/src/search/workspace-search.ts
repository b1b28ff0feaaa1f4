import type { Queryable } from '../db/pool.js';
import type { SearchResults } from '../contracts/views.js';

export type { SearchResults };

/**
 * Each branch that can match many rows (a subject word, a message word) keeps only its newest matches: the
 * box shows the first few, newest activity first (issue 16: a word in 100,000 messages took 3.4 s when every
 * match was joined to its message and sorted first).
 */
const BRANCH_LIMIT = 200;
/**
 * How many message matches are few enough to sort outright. The planner cannot tell a rare word from a common
 * one (it guessed 5,000 matches for a word with none and for one with 100,000), and the two want opposite plans:
 * a rare word the GIN index and a sort (0.1 ms), a common one a backward walk of the key that stops after enough
 * matches (2 ms) — the walk for a word with no match reads all 1 M rows (270 ms), the GIN path for a common one
 * fetches every match (200 ms). So the statement counts the matches up to this bound first, from the GIN index,
 * and takes the walk only above it.
 */
const FEW_MATCHES = 5000;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

type Watermarks = Record<'cases' | 'interactions' | 'customer_identities', number>;

/**
 * Rows of `source` the search indexer has not reached yet: above its watermark and without a side row.
 * A short range read by primary key, matched directly, so a message committed a moment ago is found. The
 * watermark is a number in the statement, not a subquery, so the planner knows the range is short (with a
 * subquery it assumed a third of the table and planned a parallel scan of a million messages).
 */
const notIndexedYet = (watermark: number, side: string, key: string) =>
  `t.id > ${Math.trunc(watermark)} AND NOT EXISTS (SELECT 1 FROM ${side} x WHERE x.${key} = t.id)`;

async function watermarks(db: Queryable): Promise<Watermarks> {
  const rows = (await db.query(`SELECT source, indexed_through FROM search_watermarks`)).rows as { source: keyof Watermarks; indexed_through: string }[];
  const w: Watermarks = { cases: 0, interactions: 0, customer_identities: 0 };
  for (const r of rows) w[r.source] = Number(r.indexed_through);
  return w;
}

/**
 * One box for everything: a case number, a phone number, an email, a name, words from a subject or a message.
 * Uses the trigram and full-text indexes so it stays fast on large tables: names on customers (migration 0501),
 * subjects, identities and message text on the search side tables (migration 0912, filled asynchronously).
 */
export async function searchWorkspace(
  db: Queryable,
  rawQuery: string,
  limit = 10,
  /** limits hits to cases the searcher may open (access/policy.ts caseScope); customers to those with such a case */
  scope: (caseAlias: string, params: unknown[]) => string = () => 'TRUE',
): Promise<SearchResults> {
  const q = rawQuery.trim().slice(0, 200);
  if (q.length < 2) return { customers: [], cases: [] };
  const like = `%${likeEscape(q.toLowerCase())}%`;
  const digits = q.replace(/[^\d]/g, '');
  const caseNumber = /^#?\d{1,12}$/.test(q) ? Number(q.replace('#', '')) : null;
  const phoneLike = digits.length >= 4 && /^[\d\s()+.-]+$/.test(q) ? `%${digits}%` : null;

  const customerParams: unknown[] = [like, phoneLike, limit];
  const customerScope = scope('sc', customerParams);
  const customerFilter = customerScope === 'TRUE' ? 'TRUE' : `EXISTS (SELECT 1 FROM cases sc WHERE sc.customer_id = c.id AND ${customerScope})`;
  const caseParams: unknown[] = [caseNumber, like, q, limit];
  const caseScopeSql = scope('c', caseParams);
  const wm = await watermarks(db);
  const [customers, cases] = await Promise.all([
    db.query(
      `WITH hits AS (
         SELECT id FROM customers WHERE lower(name) LIKE $1 AND merged_into_id IS NULL
         UNION
         SELECT i.customer_id FROM identity_search s JOIN customer_identities i ON i.id = s.identity_id
          WHERE s.value LIKE $1 OR ($2::text IS NOT NULL AND s.value LIKE $2)
         UNION
         SELECT t.customer_id FROM customer_identities t
          WHERE ${notIndexedYet(wm.customer_identities, 'identity_search', 'identity_id')}
            AND (t.value LIKE $1 OR ($2::text IS NOT NULL AND t.value LIKE $2))
       )
       SELECT c.id, c.name, c.tier, array(SELECT value FROM customer_identities i WHERE i.customer_id = c.id ORDER BY i.id LIMIT 5) AS identities
         FROM customers c JOIN (SELECT DISTINCT id FROM hits) h ON h.id = c.id
        WHERE c.merged_into_id IS NULL
          AND ${customerFilter}
        ORDER BY c.tier = 'vip' DESC, c.name NULLS LAST
        LIMIT $3`,
      customerParams,
    ),
    db.query(
      `WITH words AS MATERIALIZED (
         SELECT s.interaction_id FROM interaction_search s WHERE s.doc @@ plainto_tsquery('simple', $3) LIMIT ${FEW_MATCHES + 1}
       ), word_count AS (
         SELECT count(*) AS n FROM words
       ), hits AS (
         SELECT id, NULL::text AS snippet, 0 AS rank FROM cases WHERE number = $1
         UNION ALL
         (SELECT case_id, NULL, 1 FROM case_subject_search WHERE subject_lower LIKE $2 ORDER BY case_id DESC LIMIT ${BRANCH_LIMIT})
         UNION ALL
         SELECT t.id, NULL, 1 FROM cases t
          WHERE ${notIndexedYet(wm.cases, 'case_subject_search', 'case_id')} AND lower(t.subject) LIKE $2
         UNION ALL
         (SELECT DISTINCT ON (i.case_id) i.case_id, left(i.text, 160), 2
            FROM ((SELECT w.interaction_id AS id FROM words w WHERE (SELECT n FROM word_count) <= ${FEW_MATCHES}
                    ORDER BY w.interaction_id DESC LIMIT ${2 * BRANCH_LIMIT})
                  UNION ALL
                  -- "IS TRUE" keeps the GIN index out of this branch: it only runs for a common word, where the walk wins
                  (SELECT s.interaction_id FROM interaction_search s
                    WHERE (SELECT n FROM word_count) > ${FEW_MATCHES} AND (s.doc @@ plainto_tsquery('simple', $3)) IS TRUE
                    ORDER BY s.interaction_id DESC LIMIT ${2 * BRANCH_LIMIT})
                  UNION ALL
                  SELECT t.id FROM interactions t
                   WHERE ${notIndexedYet(wm.interactions, 'interaction_search', 'interaction_id')}
                     AND to_tsvector('simple', coalesce(t.subject, '') || ' ' || t.text) @@ plainto_tsquery('simple', $3)) m
            JOIN interactions i ON i.id = m.id
           WHERE i.direction <> 'internal'
           ORDER BY i.case_id DESC
           LIMIT ${BRANCH_LIMIT})
       ), best AS (
         SELECT DISTINCT ON (id) id, snippet, rank FROM hits ORDER BY id, rank
       )
       SELECT c.id, c.number, c.subject, c.status, c.channel, cu.name AS customer_name, b.snippet
         FROM best b JOIN cases c ON c.id = b.id JOIN customers cu ON cu.id = c.customer_id
        WHERE c.merged_into_id IS NULL AND ${caseScopeSql}
        ORDER BY b.rank, c.last_activity_at DESC
        LIMIT $4`,
      caseParams,
    ),
  ]);
  return {
    customers: customers.rows.map((r) => ({ id: r.id, name: r.name, tier: r.tier, identities: r.identities })),
    cases: cases.rows.map((r) => ({ id: r.id, number: r.number, subject: r.subject, status: r.status, channel: r.channel, customerName: r.customer_name, snippet: r.snippet })),
  };
}
