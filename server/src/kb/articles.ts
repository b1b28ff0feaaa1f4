import type { Queryable } from '../db/pool.js';
import { HttpError, notFound } from '../lib/errors.js';
import { excerptOf } from './render.js';
import { normaliseForSearch, queryTerms, tsQueryText } from './normalise.js';
import type { KbArticle } from '../contracts/views.js';

export interface ArticleInput {
  title: string;
  body: string;
  category?: string;
  language?: string;
  published?: boolean;
  slug?: string;
}

export type ArticleView = KbArticle;

// English words are stemmed ('resetting' finds 'reset'); the 'simple' half keeps every word
// as written, which is what Persian (no built-in dictionary) and product names need.
const VECTOR_SQL = `setweight(to_tsvector('english', $T), 'A') || setweight(to_tsvector('simple', $T), 'A')
                 || setweight(to_tsvector('english', $C), 'B') || setweight(to_tsvector('simple', $C), 'B')
                 || setweight(to_tsvector('english', $B), 'C') || setweight(to_tsvector('simple', $B), 'C')`;
const vectorSql = (t: string, c: string, b: string) => VECTOR_SQL.replaceAll('$T', t).replaceAll('$C', c).replaceAll('$B', b);

export function slugify(title: string): string {
  const s = normaliseForSearch(title)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return s || 'article';
}

const COLS = `id, title, slug, body, category, language, published, updated_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row mapped field by field
function view(publicUrl: string, row: Record<string, any>): ArticleView {
  return {
    id: row.id,
    title: row.title,
    slug: row.slug,
    excerpt: excerptOf(row.body),
    body: row.body,
    language: row.language,
    category: row.category,
    published: row.published,
    url: `${publicUrl}/portal/kb/${encodeURIComponent(row.slug)}`,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export async function searchArticles(
  db: Queryable,
  publicUrl: string,
  o: { q?: string; language?: string; limit?: number; publishedOnly: boolean; mode?: 'all' | 'any'; category?: string },
): Promise<ArticleView[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (o.publishedOnly) where.push('published');
  if (o.language) {
    params.push(o.language);
    where.push(`language = $${params.length}`);
  }
  if (o.category) {
    params.push(o.category);
    where.push(`category = $${params.length}`);
  }
  const tsq = o.q ? tsQueryText(queryTerms(o.q), o.mode ?? 'all') : null;
  let order = 'updated_at DESC, id DESC';
  if (o.q && !tsq) return []; // a query of only punctuation matches nothing
  if (tsq) {
    params.push(tsq);
    const p = `$${params.length}`;
    where.push(`search_vector @@ (to_tsquery('english', ${p}) || to_tsquery('simple', ${p}))`);
    order = `ts_rank(search_vector, to_tsquery('english', ${p}) || to_tsquery('simple', ${p})) DESC, updated_at DESC`;
  }
  params.push(Math.min(Math.max(o.limit ?? 20, 1), 100));
  const r = await db.query(
    `SELECT ${COLS} FROM kb_articles ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT $${params.length}`,
    params,
  );
  return r.rows.map((row) => view(publicUrl, row));
}

export async function getArticle(db: Queryable, publicUrl: string, by: { id?: number; slug?: string; publishedOnly: boolean }): Promise<ArticleView> {
  const r = await db.query(
    `SELECT ${COLS} FROM kb_articles WHERE ${by.id !== undefined ? 'id = $1' : 'slug = $1'} ${by.publishedOnly ? 'AND published' : ''}`,
    [by.id ?? by.slug],
  );
  if (!r.rowCount) throw notFound('article');
  return view(publicUrl, r.rows[0]);
}

async function uniqueSlug(db: Queryable, wanted: string, exceptId?: number): Promise<string> {
  const base = slugify(wanted);
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    const r = await db.query(`SELECT 1 FROM kb_articles WHERE slug = $1 AND id IS DISTINCT FROM $2`, [candidate, exceptId ?? null]);
    if (!r.rowCount) return candidate;
  }
}

export async function createArticle(db: Queryable, publicUrl: string, authorId: number, a: ArticleInput): Promise<ArticleView> {
  const slug = await uniqueSlug(db, a.slug ?? a.title);
  const r = await db.query(
    `INSERT INTO kb_articles (title, slug, body, category, language, published, author_id, search_vector)
     VALUES ($1, $2, $3, $4, $5, $6, $7, ${vectorSql('$8', '$9', '$10')}) RETURNING ${COLS}`,
    [
      a.title, slug, a.body, a.category ?? '', a.language ?? 'en', a.published ?? false, authorId,
      normaliseForSearch(a.title), normaliseForSearch(a.category ?? ''), normaliseForSearch(a.body),
    ],
  );
  return view(publicUrl, r.rows[0]);
}

export async function updateArticle(db: Queryable, publicUrl: string, id: number, patch: Partial<ArticleInput>): Promise<ArticleView> {
  const cur = await db.query(`SELECT ${COLS} FROM kb_articles WHERE id = $1`, [id]);
  if (!cur.rowCount) throw notFound('article');
  const next = { ...cur.rows[0], ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
  if (patch.slug !== undefined) {
    const s = slugify(patch.slug);
    const taken = await db.query(`SELECT 1 FROM kb_articles WHERE slug = $1 AND id <> $2`, [s, id]);
    if (taken.rowCount) throw new HttpError(409, `slug "${s}" is used by another article`);
    next.slug = s;
  }
  const r = await db.query(
    `UPDATE kb_articles SET title = $2, slug = $3, body = $4, category = $5, language = $6, published = $7,
            search_vector = ${vectorSql('$8', '$9', '$10')}, updated_at = now()
      WHERE id = $1 RETURNING ${COLS}`,
    [
      id, next.title, next.slug, next.body, next.category, next.language, next.published,
      normaliseForSearch(next.title), normaliseForSearch(next.category), normaliseForSearch(next.body),
    ],
  );
  return view(publicUrl, r.rows[0]);
}
