import type pg from 'pg';
import type { Redis } from 'ioredis';
import { randomInt } from 'node:crypto';
import { withTransaction, type Queryable } from '../../db/pool.js';
import { newToken, safeEqual, sha256 } from '../../lib/tokens.js';
import { HttpError } from '../../lib/errors.js';
import { withTimeout } from '../../lib/with-timeout.js';
import { memoryStore } from '../../auth/login-limits.js';
import type { Log } from '../../lib/log.js';
import { resolveCustomer } from '../../ingest/customers.js';
import { adoptProvenEmail } from '../../customers/claimed-email.js';

export type SignInIdentity = { kind: 'email' | 'phone'; value: string };

// while Redis does not answer, requests are counted in this process (per node) instead of not at all
const localSignInCounts = memoryStore();

/**
 * Counts a sign-in request for one key within the window (Redis, so every node shares the count;
 * in this process while Redis does not answer). Throws 429 when over the limit.
 */
export async function countSignInRequest(
  redis: Redis,
  prefix: string,
  key: string,
  limit: { max: number; windowMs: number },
  log?: Pick<Log, 'warn'>,
): Promise<void> {
  const k = `${prefix}:portal-signin:${sha256(key)}`;
  let hit: { count: number; ttlMs: number };
  try {
    hit = await withTimeout(
      (async () => {
        const count = await redis.incr(k);
        if (count === 1) await redis.pexpire(k, limit.windowMs);
        return { count, ttlMs: count > limit.max ? await redis.pttl(k) : limit.windowMs };
      })(),
      500,
      'redis did not answer',
    );
  } catch (err) {
    log?.warn({ err: { message: (err as Error).message } }, 'portal sign-in limit: Redis unavailable, counting in this process');
    hit = await localSignInCounts.hit(k, limit.windowMs);
  }
  if (hit.count > limit.max) {
    const ttl = Math.max(1, Math.ceil(hit.ttlMs / 1000));
    throw new HttpError(429, `too many sign-in requests; try again in ${ttl} s`);
  }
}

export async function createMagicLink(db: Queryable, id: SignInIdentity, language: string, ttlMinutes: number): Promise<string> {
  const token = newToken('pml_');
  await db.query(
    `INSERT INTO portal_login_tokens (kind, secret_hash, identity_kind, identity_value, language, expires_at)
     VALUES ('link', $1, $2, $3, $4, now() + make_interval(mins => $5))`,
    [sha256(token), id.kind, id.value, language, ttlMinutes],
  );
  return token;
}

const codeHash = (id: SignInIdentity, code: string) => sha256(`${id.kind}:${id.value}:${code}`);

export async function createSmsCode(db: Queryable, id: SignInIdentity, language: string, ttlMinutes: number): Promise<string> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  // A new code replaces any earlier one for the number.
  await db.query(`UPDATE portal_login_tokens SET used_at = now() WHERE kind = 'code' AND identity_kind = $1 AND identity_value = $2 AND used_at IS NULL`, [id.kind, id.value]);
  await db.query(
    `INSERT INTO portal_login_tokens (kind, secret_hash, identity_kind, identity_value, language, expires_at)
     VALUES ('code', $1, $2, $3, $4, now() + make_interval(mins => $5))`,
    [codeHash(id, code), id.kind, id.value, language, ttlMinutes],
  );
  return code;
}

export type ConsumeResult = { ok: true; identity: SignInIdentity; language: string } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/** Looks at a magic link without spending it (the confirmation page in front of the sign-in). */
export async function peekMagicLink(db: Queryable, token: string): Promise<ConsumeResult> {
  const r = await db.query(
    `SELECT identity_kind, identity_value, language, used_at IS NOT NULL AS used, expires_at <= now() AS expired
       FROM portal_login_tokens WHERE kind = 'link' AND secret_hash = $1`,
    [sha256(token)],
  );
  const row = r.rows[0];
  if (!row) return { ok: false, reason: 'invalid' };
  if (row.used) return { ok: false, reason: 'used' };
  if (row.expired) return { ok: false, reason: 'expired' };
  return { ok: true, identity: { kind: row.identity_kind, value: row.identity_value }, language: row.language };
}

/** Spends a magic link exactly once (the UPDATE is the lock: two clicks cannot both win). */
export async function consumeMagicLink(db: Queryable, token: string): Promise<ConsumeResult> {
  const r = await db.query(
    `UPDATE portal_login_tokens SET used_at = now()
      WHERE kind = 'link' AND secret_hash = $1 AND used_at IS NULL AND expires_at > now()
      RETURNING identity_kind, identity_value, language`,
    [sha256(token)],
  );
  if (r.rowCount) return { ok: true, identity: { kind: r.rows[0].identity_kind, value: r.rows[0].identity_value }, language: r.rows[0].language };
  const why = await db.query(`SELECT used_at IS NOT NULL AS used FROM portal_login_tokens WHERE kind = 'link' AND secret_hash = $1`, [sha256(token)]);
  if (!why.rowCount) return { ok: false, reason: 'invalid' };
  return { ok: false, reason: why.rows[0].used ? 'used' : 'expired' };
}

const MAX_CODE_ATTEMPTS = 5;

/** Checks an SMS code; each wrong guess counts, and the code dies after a few. */
export async function consumeSmsCode(db: pg.Pool, id: SignInIdentity, code: string): Promise<ConsumeResult> {
  return withTransaction(db, async (tx) => {
    const r = await tx.query(
      `SELECT id, secret_hash, attempts, language, expires_at > now() AS live FROM portal_login_tokens
        WHERE kind = 'code' AND identity_kind = $1 AND identity_value = $2 AND used_at IS NULL
        ORDER BY id DESC LIMIT 1 FOR UPDATE`,
      [id.kind, id.value],
    );
    const row = r.rows[0];
    if (!row) return { ok: false, reason: 'invalid' } as const;
    if (!row.live) return { ok: false, reason: 'expired' } as const;
    if (!safeEqual(row.secret_hash, codeHash(id, code))) {
      await tx.query(
        `UPDATE portal_login_tokens SET attempts = attempts + 1, used_at = CASE WHEN attempts + 1 >= $2 THEN now() END WHERE id = $1`,
        [row.id, MAX_CODE_ATTEMPTS],
      );
      return { ok: false, reason: 'invalid' } as const;
    }
    await tx.query(`UPDATE portal_login_tokens SET used_at = now() WHERE id = $1`, [row.id]);
    return { ok: true, identity: id, language: row.language } as const;
  });
}

export const PORTAL_COOKIE = 'ch_portal';

/** Signs the customer owning the identity in (creating them on first visit); the identity is now verified. */
export async function createPortalSession(db: pg.Pool, id: SignInIdentity, language: string, ttlHours: number): Promise<{ token: string; customerId: number }> {
  return withTransaction(db, async (tx) => {
    // A proved email address also brings in the offline messages that claimed it (kept apart until now).
    const customer =
      id.kind === 'email'
        ? { id: await adoptProvenEmail(tx, id.value, { language }) }
        : await resolveCustomer(tx, id.kind, id.value, { language });
    await tx.query(`UPDATE customer_identities SET verified = true WHERE kind = $1 AND value = $2`, [id.kind, id.value]);
    const token = newToken('chp_');
    await tx.query(
      `INSERT INTO portal_sessions (token_hash, customer_id, identity_kind, identity_value, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))`,
      [sha256(token), customer.id, id.kind, id.value, ttlHours],
    );
    return { token, customerId: customer.id };
  });
}

export interface PortalCustomer {
  customerId: number;
  identity: SignInIdentity;
  name: string | null;
  language: string;
}

/** The customer behind a portal session cookie, following customer merges to the surviving record. */
export async function customerForSession(db: Queryable, token: string | undefined): Promise<PortalCustomer | null> {
  if (!token || token.length > 200) return null;
  const r = await db.query(
    `WITH RECURSIVE s AS (
       UPDATE portal_sessions SET last_seen_at = now() WHERE token_hash = $1 AND expires_at > now()
       RETURNING customer_id, identity_kind, identity_value
     ), chain(id, merged_into_id, depth) AS (
       SELECT c.id, c.merged_into_id, 0 FROM customers c JOIN s ON s.customer_id = c.id
       UNION ALL
       SELECT c.id, c.merged_into_id, chain.depth + 1 FROM customers c JOIN chain ON c.id = chain.merged_into_id WHERE chain.depth < 10
     )
     SELECT cu.id, cu.name, cu.language, s.identity_kind, s.identity_value
       FROM s, chain JOIN customers cu ON cu.id = chain.id
      WHERE chain.merged_into_id IS NULL LIMIT 1`,
    [sha256(token)],
  );
  const row = r.rows[0];
  return row ? { customerId: row.id, identity: { kind: row.identity_kind, value: row.identity_value }, name: row.name, language: row.language } : null;
}

export async function endPortalSession(db: Queryable, token: string): Promise<void> {
  await db.query(`DELETE FROM portal_sessions WHERE token_hash = $1`, [sha256(token)]);
}
