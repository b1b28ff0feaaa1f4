import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { hashPassword } from './passwords.js';
import { audit } from '../audit/audit-log.js';
import { sendSystemMail } from '../customer-messages/mailer.js';
import { issuePasswordLink } from './password-links.js';
import { HttpError } from '../lib/errors.js';

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
  const { token, expiresAt } = await issuePasswordLink(db, 'reset', agentId, RESET_LINK_TTL_HOURS);
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
