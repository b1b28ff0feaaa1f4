import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashPassword } from '../auth/passwords.js';
import { withTransaction } from '../db/pool.js';
import { audit } from '../audit/audit-log.js';
import { issuePasswordLink } from '../auth/password-links.js';

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
    const { token, expiresAt } = await issuePasswordLink(tx, 'setup', agentId, SETUP_TOKEN_TTL_HOURS);
    return { ok: true, agentId, token, expiresAt };
  });
}
