// One-time links to choose a password: an invitation or reset link (password_reset_tokens, mailed to
// the person) and the first admin's set-up link (admin_setup_tokens, printed by `npm run setup`). Both
// are issued, looked up and spent the same way; only the table and what the page says differ.
import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { hashPassword } from './passwords.js';
import { audit } from '../audit/audit-log.js';
import { newToken, sha256 } from '../lib/tokens.js';
import { passwordLengthProblem } from '../schemas/common.js';

const LINKS = {
  reset: {
    table: 'password_reset_tokens',
    prefix: 'chr_',
    gone: 'this link is not valid (already used or expired); ask for a new one',
    audit: 'agent.password_set_by_link',
  },
  setup: {
    table: 'admin_setup_tokens',
    prefix: 'chs_',
    gone: 'this set-up link is not valid (already used or expired); run npm run setup again for a new one',
    audit: 'setup.password_set',
  },
} as const;
export type PasswordLinkKind = keyof typeof LINKS;

/** A new link for the account; it replaces one not used yet. The token is returned once and stored hashed. */
export async function issuePasswordLink(db: Queryable, kind: PasswordLinkKind, agentId: number, ttlHours: number): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken(LINKS[kind].prefix);
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  await db.query(
    `INSERT INTO ${LINKS[kind].table} (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (agent_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at, created_at = now()`,
    [sha256(token), agentId, expiresAt],
  );
  return { token, expiresAt };
}

/** The active account a still-valid link belongs to. */
export async function passwordLinkOwner(db: Queryable, kind: PasswordLinkKind, token: string): Promise<{ agentId: number; email: string } | null> {
  const r = await db.query(
    `SELECT a.id, a.email FROM ${LINKS[kind].table} t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1 AND t.expires_at > now() AND a.active`,
    [sha256(token)],
  );
  return r.rowCount ? { agentId: Number(r.rows[0].id), email: r.rows[0].email } : null;
}

/** Spends the link: sets the password and ends every session of the account. Works once. */
export async function spendPasswordLink(
  db: pg.Pool,
  kind: PasswordLinkKind,
  token: string,
  password: string,
  ip: string | null,
): Promise<{ ok: true; agentId: number; email: string } | { ok: false; status: 400 | 404; reason: string }> {
  const tooShortOrLong = passwordLengthProblem(password);
  if (tooShortOrLong) return { ok: false, status: 400, reason: tooShortOrLong };
  const hash = await hashPassword(password);
  return withTransaction(db, async (tx) => {
    const r = await tx.query(
      `DELETE FROM ${LINKS[kind].table} t USING agents a WHERE t.token_hash = $1 AND a.id = t.agent_id AND t.expires_at > now() AND a.active
       RETURNING a.id, a.email`,
      [sha256(token)],
    );
    if (!r.rowCount) return { ok: false, status: 404, reason: LINKS[kind].gone };
    const { id, email } = r.rows[0];
    await tx.query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, hash]);
    await tx.query(`DELETE FROM sessions WHERE agent_id = $1`, [id]);
    await audit(tx, { actorId: id, action: LINKS[kind].audit, entity: 'agent', entityId: id, ip });
    return { ok: true, agentId: Number(id), email };
  });
}
