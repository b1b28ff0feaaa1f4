import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import { newToken, sha256 } from '../../lib/tokens.js';

export interface Visitor {
  id: string;
  customerId: number | null;
  name: string | null;
  email: string | null;
  /** the visitor proved `email` (opened the confirmation link mailed there) */
  emailVerified: boolean;
  language: string;
}

/** A new anonymous chat visitor; the token is shown once and kept in the browser's localStorage. */
export async function createVisitor(db: Queryable, o: { name?: string; email?: string; language?: string }): Promise<{ visitor: Visitor; token: string }> {
  const id = randomUUID();
  const token = newToken('chv_');
  await db.query(`INSERT INTO chat_visitors (id, token_hash, name, email, language) VALUES ($1, $2, $3, $4, $5)`, [
    id, sha256(token), o.name ?? null, o.email?.toLowerCase() ?? null, o.language ?? 'en',
  ]);
  return { visitor: { id, customerId: null, name: o.name ?? null, email: o.email?.toLowerCase() ?? null, emailVerified: false, language: o.language ?? 'en' }, token };
}

export async function visitorForToken(db: Queryable, token: string | undefined | null): Promise<Visitor | null> {
  if (!token || typeof token !== 'string' || token.length > 200) return null;
  const r = await db.query(
    `UPDATE chat_visitors SET last_seen_at = now() WHERE token_hash = $1
     RETURNING id, customer_id, name, email, email_verified_at, language`,
    [sha256(token)],
  );
  const row = r.rows[0];
  return row
    ? { id: row.id, customerId: row.customer_id, name: row.name, email: row.email, emailVerified: !!row.email_verified_at, language: row.language }
    : null;
}

export async function updateVisitor(db: Queryable, id: string, o: { name?: string; email?: string; language?: string }): Promise<void> {
  await db.query(
    // A different address is not proved by the old one's confirmation.
    `UPDATE chat_visitors SET name = COALESCE($2, name), email = COALESCE($3, email), language = COALESCE($4, language),
            email_verified_at = CASE WHEN $3 IS NULL OR $3 = email THEN email_verified_at END
      WHERE id = $1`,
    [id, o.name ?? null, o.email?.toLowerCase() ?? null, o.language ?? null],
  );
}
