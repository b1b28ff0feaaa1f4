// Workspace search as it was before issue 16 (commit 1ae673a), for bench/reports.ts's same-run baseline.
import type { Queryable } from '../../server/src/db/pool.js';
import type { SearchResults } from '../../server/src/contracts/views.js';

export type { SearchResults };

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * Rows of `source` the search indexer has not reached yet: above its watermark and without a side row.
 * A short range read by primary key, matched directly, so a message committed a moment ago is found.
 */
const notIndexedYet = (source: string, side: string, key: string) =>
  `t.id > (SELECT indexed_through FROM search_watermarks WHERE source = '${source}')
   AND NOT EXISTS (SELECT 1 FROM ${side} x WHERE x.${key} = t.id)`;

/**
 * One box for everything: a case number, a phone number, an email, a name, words from a subject or a message.
 * Uses the trigram and full-text indexes so it stays fast on large tables: names on customers (migration 0501),
 * subjects, identities and message text on the search side tables (migration 0912, filled asynchronously).
 */
export async function baselineSearch(
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
  const [customers, cases] = await Promise.all([
    db.query(
      `WITH hits AS (
         SELECT id FROM customers WHERE lower(name) LIKE $1 AND merged_into_id IS NULL
         UNION
         SELECT i.customer_id FROM identity_search s JOIN customer_identities i ON i.id = s.identity_id
          WHERE s.value LIKE $1 OR ($2::text IS NOT NULL AND s.value LIKE $2)
         UNION
         SELECT t.customer_id FROM customer_identities t
          WHERE ${notIndexedYet('customer_identities', 'identity_search', 'identity_id')}
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
      `WITH hits AS (
         SELECT id, NULL::text AS snippet, 0 AS rank FROM cases WHERE number = $1
         UNION ALL
         SELECT case_id, NULL, 1 FROM case_subject_search WHERE subject_lower LIKE $2
         UNION ALL
         SELECT t.id, NULL, 1 FROM cases t
          WHERE ${notIndexedYet('cases', 'case_subject_search', 'case_id')} AND lower(t.subject) LIKE $2
         UNION ALL
         (SELECT DISTINCT ON (i.case_id) i.case_id, left(i.text, 160), 2
            FROM (SELECT s.interaction_id AS id FROM interaction_search s WHERE s.doc @@ plainto_tsquery('simple', $3)
                  UNION ALL
                  SELECT t.id FROM interactions t
                   WHERE ${notIndexedYet('interactions', 'interaction_search', 'interaction_id')}
                     AND to_tsvector('simple', coalesce(t.subject, '') || ' ' || t.text) @@ plainto_tsquery('simple', $3)) m
            JOIN interactions i ON i.id = m.id
           WHERE i.direction <> 'internal'
           ORDER BY i.case_id DESC
           LIMIT 200)
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
