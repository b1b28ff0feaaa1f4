import type pg from 'pg';
import { withTransaction, type Queryable } from '../db/pool.js';
import { hashPassword } from '../auth/passwords.js';
import { audit } from '../audit/audit-log.js';
import { newToken, sha256 } from '../lib/tokens.js';
import { passwordLengthProblem } from '../schemas/common.js';
import { SETUP_TOKEN_TTL_HOURS } from './first-admin.js';
import { validTimeZone } from '../lib/time-zone.js';

export interface OrganisationInput {
  name: string;
  language: 'en' | 'fa';
  timeZone: string;
}


/** What is wrong with an organisation's first settings, field by field (empty when fine). */
export function organisationProblems(o: Partial<OrganisationInput>): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  if (!o.name?.trim()) out.push({ field: 'organisationName', reason: 'the organisation needs a name' });
  else if (o.name.length > 200) out.push({ field: 'organisationName', reason: 'the name is longer than 200 characters' });
  if (o.language !== 'en' && o.language !== 'fa') out.push({ field: 'language', reason: 'the language is English (en) or Persian (fa)' });
  if (!o.timeZone || !validTimeZone(o.timeZone)) out.push({ field: 'timeZone', reason: `unknown time zone "${o.timeZone ?? ''}"` });
  return out;
}

/** An admin who can sign in (one still waiting on their `npm run setup` link does not count). */
export async function adminReady(db: Queryable): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM agents a WHERE a.role = 'admin' AND a.active AND NOT EXISTS (SELECT 1 FROM admin_setup_tokens t WHERE t.agent_id = a.id) LIMIT 1`,
  );
  return !!r.rowCount;
}

export async function organisationSetUp(db: Queryable): Promise<boolean> {
  const r = await db.query(`SELECT set_up_at FROM organisation_settings WHERE id`);
  return !!r.rows[0]?.set_up_at;
}

/**
 * The link `npm start` prints on an installation nobody can administer yet: it opens the first-run
 * page (organisation + first admin). Null once an admin can sign in. Each call replaces the previous link.
 */
export async function issueFirstRunLink(db: pg.Pool): Promise<{ token: string; expiresAt: Date } | null> {
  return withTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('contacthub:first-admin'))`);
    if (await adminReady(tx)) return null;
    const token = newToken('chf_');
    const expiresAt = new Date(Date.now() + SETUP_TOKEN_TTL_HOURS * 3600_000);
    await tx.query(`UPDATE organisation_settings SET first_run_token_hash = $1, first_run_expires_at = $2 WHERE id`, [sha256(token), expiresAt]);
    return { token, expiresAt };
  });
}

export async function firstRunTokenValid(db: Queryable, token: string): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM organisation_settings WHERE id AND first_run_token_hash = $1 AND first_run_expires_at > now()`, [sha256(token)]);
  return !!r.rowCount && !(await adminReady(db));
}

/** Saves the organisation's first settings and marks the installation set up (the first-run page is gone from then on). */
export async function saveFirstOrganisation(tx: Queryable, o: OrganisationInput, actorId: number): Promise<void> {
  await tx.query(
    `UPDATE organisation_settings SET name = $1, default_language = $2, time_zone = $3, set_up_at = now(),
            first_run_token_hash = NULL, first_run_expires_at = NULL, updated_at = now() WHERE id`,
    [o.name.trim(), o.language, o.timeZone],
  );
  await audit(tx, { actorId, action: 'setup.organisation', entity: 'organisation', entityId: 1, after: o });
}

export type FirstRunInput = OrganisationInput & { email: string; adminName: string; password: string };

/** Spends the first-run link: creates the organisation and its first admin in one transaction. */
export async function completeFirstRun(
  db: pg.Pool,
  token: string,
  input: FirstRunInput,
  ip: string | null,
): Promise<{ ok: true; email: string } | { ok: false; status: 400 | 404 | 409; reason: string; details?: { field: string; reason: string }[] }> {
  const problems = organisationProblems(input);
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) problems.push({ field: 'email', reason: `"${input.email}" is not an email address` });
  if (!input.adminName.trim()) problems.push({ field: 'adminName', reason: 'your name is needed' });
  const passwordProblem = passwordLengthProblem(input.password);
  if (passwordProblem) problems.push({ field: 'password', reason: passwordProblem });
  if (problems.length) return { ok: false, status: 400, reason: problems.map((p) => p.reason).join('; '), details: problems };
  const hash = await hashPassword(input.password);
  return withTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('contacthub:first-admin'))`);
    const valid = await tx.query(`SELECT 1 FROM organisation_settings WHERE id AND first_run_token_hash = $1 AND first_run_expires_at > now()`, [sha256(token)]);
    if (!valid.rowCount || (await adminReady(tx))) {
      return { ok: false, status: 404, reason: 'this first-run link is not valid (already used or expired); restart the hub (npm start) for a new one' };
    }
    if ((await tx.query(`SELECT 1 FROM agents WHERE email = $1`, [email])).rowCount) {
      return { ok: false, status: 409, reason: `${email} already belongs to an account`, details: [{ field: 'email', reason: 'already taken' }] };
    }
    const r = await tx.query(
      `INSERT INTO agents (email, name, password_hash, role, language, skills) VALUES ($1, $2, $3, 'admin', $4, '{}') RETURNING id`,
      [email, input.adminName.trim(), hash, input.language],
    );
    const id = Number(r.rows[0].id);
    await audit(tx, { actorId: id, action: 'setup.first_admin', entity: 'agent', entityId: id, after: { email, name: input.adminName }, ip });
    await saveFirstOrganisation(tx, input, id);
    return { ok: true, email };
  });
}
