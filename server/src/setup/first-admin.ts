import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashPassword } from '../auth/passwords.js';
import { withTransaction } from '../db/pool.js';
import { audit } from '../audit/audit-log.js';
import { newToken, sha256 } from '../lib/tokens.js';
import { passwordLengthProblem } from '../schemas/common.js';

export const SETUP_TOKEN_TTL_HOURS = 24;

export type FirstAdminResult =
  | { ok: true; agentId: number; token: string; expiresAt: Date }
  | { ok: false; reason: string };

/**
 * Creates the first admin of an empty installation (or re-issues the link of one whose link was
 * never used). The account gets an unguessable password nobody knows; its owner chooses the real
 * one through the one-time link. Refuses once any admin can sign in.
 */
export async function createFirstAdmin(db: pg.Pool, email: string, name: string): Promise<FirstAdminResult> {
  const address = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) return { ok: false, reason: `"${email}" is not an email address` };
  return withTransaction(db, async (tx) => {
    // Two setups at once must not both create an admin.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('contacthub:first-admin'))`);
    const admins = await tx.query<{ id: number; email: string; pending: boolean }>(
      `SELECT a.id, a.email, t.agent_id IS NOT NULL AS pending
         FROM agents a LEFT JOIN admin_setup_tokens t ON t.agent_id = a.id
        WHERE a.role = 'admin' AND a.active`,
    );
    const ready = admins.rows.find((a) => !a.pending);
    if (ready) return { ok: false, reason: `an admin already exists (${ready.email}); sign in as that admin and add people under Admin → Agents (/admin/agents)` };
    const pending = admins.rows.find((a) => a.pending);
    if (pending && pending.email !== address) {
      return { ok: false, reason: `set-up was already started for ${pending.email}; run it again with that address for a new link` };
    }
    let agentId = pending?.id;
    if (!agentId) {
      const taken = await tx.query(`SELECT 1 FROM agents WHERE email = $1`, [address]);
      if (taken.rowCount) return { ok: false, reason: `${address} already belongs to a non-admin account` };
      const r = await tx.query(
        `INSERT INTO agents (email, name, password_hash, role, skills) VALUES ($1, $2, $3, 'admin', '{}') RETURNING id`,
        [address, name, await hashPassword(randomBytes(32).toString('base64url'))],
      );
      agentId = r.rows[0].id as number;
      await audit(tx, { actorId: null, action: 'setup.first_admin', entity: 'agent', entityId: agentId, after: { email: address } });
    }
    const token = newToken('chs_');
    const expiresAt = new Date(Date.now() + SETUP_TOKEN_TTL_HOURS * 3600_000);
    await tx.query(
      `INSERT INTO admin_setup_tokens (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (agent_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at, created_at = now()`,
      [sha256(token), agentId, expiresAt],
    );
    return { ok: true, agentId, token, expiresAt };
  });
}

/** The admin a still-valid setup token belongs to. */
export async function setupTokenOwner(db: pg.Pool, token: string): Promise<{ agentId: number; email: string } | null> {
  const r = await db.query(
    `SELECT a.id, a.email FROM admin_setup_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1 AND t.expires_at > now() AND a.active`,
    [sha256(token)],
  );
  return r.rowCount ? { agentId: r.rows[0].id, email: r.rows[0].email } : null;
}

/** Spends the token: sets the admin's password. Works once. */
export async function spendSetupToken(
  db: pg.Pool,
  token: string,
  password: string,
  ip: string | null,
): Promise<{ ok: true; email: string } | { ok: false; status: 400 | 404; reason: string }> {
  const tooShortOrLong = passwordLengthProblem(password);
  if (tooShortOrLong) return { ok: false, status: 400, reason: tooShortOrLong };
  const hash = await hashPassword(password);
  return withTransaction(db, async (tx) => {
    const r = await tx.query(
      `DELETE FROM admin_setup_tokens t USING agents a WHERE t.token_hash = $1 AND a.id = t.agent_id AND t.expires_at > now() AND a.active
       RETURNING a.id, a.email`,
      [sha256(token)],
    );
    if (!r.rowCount) return { ok: false, status: 404, reason: 'this set-up link is not valid (already used or expired); run npm run setup again for a new one' };
    const { id, email } = r.rows[0];
    await tx.query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, hash]);
    await tx.query(`DELETE FROM sessions WHERE agent_id = $1`, [id]);
    await audit(tx, { actorId: id, action: 'setup.password_set', entity: 'agent', entityId: id, ip });
    return { ok: true, email };
  });
}
