import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { hashPassword } from './passwords.js';
import { audit } from '../audit/audit-log.js';
import { sendSystemMail } from '../customer-messages/mailer.js';
import { newToken, sha256 } from '../lib/tokens.js';
import { HttpError } from '../lib/errors.js';
import { passwordLengthProblem } from '../schemas/common.js';

export const RESET_LINK_TTL_HOURS = 48;

/** An unguessable password nobody knows: the account waits for its owner to choose one through the link. */
export const unknownPassword = () => hashPassword(randomBytes(32).toString('base64url'));

const TEXT = {
  invite: {
    en: (name: string, link: string) => ({
      subject: 'Your contact-hub account',
      text: `Hello ${name},\n\nan account was created for you. Choose your password here (the link works once, for ${RESET_LINK_TTL_HOURS} hours):\n\n${link}\n`,
    }),
    fa: (name: string, link: string) => ({
      subject: 'حساب کاربری شما در contact-hub',
      text: `${name} گرامی،\n\nبرای شما حسابی ساخته شد. رمز عبور خود را از این پیوند انتخاب کنید (یک بار و تا ${RESET_LINK_TTL_HOURS} ساعت کار می‌کند):\n\n${link}\n`,
    }),
  },
  reset: {
    en: (name: string, link: string) => ({
      subject: 'Choose a new password',
      text: `Hello ${name},\n\nan administrator asked for your password to be reset. Choose a new one here (the link works once, for ${RESET_LINK_TTL_HOURS} hours):\n\n${link}\n\nYour current password keeps working until then.\n`,
    }),
    fa: (name: string, link: string) => ({
      subject: 'انتخاب رمز عبور تازه',
      text: `${name} گرامی،\n\nمدیر سامانه بازنشانی رمز عبور شما را درخواست کرد. رمز تازه را از این پیوند انتخاب کنید (یک بار و تا ${RESET_LINK_TTL_HOURS} ساعت کار می‌کند):\n\n${link}\n`,
    }),
  },
} as const;

/**
 * Mails a one-time link to choose a password. The link goes only to the person's own address:
 * the admin who asked never sees it (nor any password). A new link replaces an unused one.
 */
export async function sendPasswordLink(
  db: Queryable,
  config: Config,
  agentId: number,
  kind: 'invite' | 'reset',
  actor: { id: number | null; ip?: string | null },
): Promise<{ sentTo: string; expiresAt: string }> {
  if (!config.smtp.url) throw new HttpError(503, 'system mail is not configured (SMTP_URL), so no link can be sent; set SMTP_URL and try again');
  const r = await db.query(`SELECT id, email, name, language FROM agents WHERE id = $1 AND active`, [agentId]);
  const agent = r.rows[0];
  if (!agent) throw new HttpError(404, 'agent not found (or deactivated)');
  const token = newToken('chr_');
  const expiresAt = new Date(Date.now() + RESET_LINK_TTL_HOURS * 3600_000);
  await db.query(
    `INSERT INTO password_reset_tokens (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (agent_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at, created_at = now()`,
    [sha256(token), agentId, expiresAt],
  );
  const link = `${config.publicUrl}/reset-password?token=${token}`;
  const lang = agent.language === 'fa' ? 'fa' : 'en';
  const mail = TEXT[kind][lang](agent.name, link);
  try {
    await sendSystemMail(config, { to: agent.email, ...mail, language: lang });
  } catch (err) {
    throw new HttpError(502, `the mail server did not take the message: ${(err as Error).message}`);
  }
  await audit(db, { actorId: actor.id, action: kind === 'invite' ? 'agent.invite_sent' : 'agent.password_reset_sent', entity: 'agent', entityId: agentId, after: { sentTo: agent.email }, ip: actor.ip ?? null });
  return { sentTo: agent.email, expiresAt: expiresAt.toISOString() };
}

export async function resetTokenOwner(db: Queryable, token: string): Promise<{ agentId: number; email: string } | null> {
  const r = await db.query(
    `SELECT a.id, a.email FROM password_reset_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1 AND t.expires_at > now() AND a.active`,
    [sha256(token)],
  );
  return r.rowCount ? { agentId: r.rows[0].id, email: r.rows[0].email } : null;
}

/** Spends the link: sets the password and ends every session of the account. Works once. */
export async function spendResetToken(
  db: pg.Pool,
  token: string,
  password: string,
  ip: string | null,
): Promise<{ ok: true; agentId: number; email: string } | { ok: false; status: 400 | 404; reason: string }> {
  const tooShortOrLong = passwordLengthProblem(password);
  if (tooShortOrLong) return { ok: false, status: 400, reason: tooShortOrLong };
  const hash = await hashPassword(password);
  return withTransaction(db, async (tx) => {
    const r = await tx.query(
      `DELETE FROM password_reset_tokens t USING agents a WHERE t.token_hash = $1 AND a.id = t.agent_id AND t.expires_at > now() AND a.active
       RETURNING a.id, a.email`,
      [sha256(token)],
    );
    if (!r.rowCount) return { ok: false, status: 404, reason: 'this link is not valid (already used or expired); ask an administrator for a new one' };
    const { id, email } = r.rows[0];
    await tx.query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, hash]);
    await audit(tx, { actorId: id, action: 'agent.password_set_by_link', entity: 'agent', entityId: id, ip });
    return { ok: true, agentId: Number(id), email };
  });
}
