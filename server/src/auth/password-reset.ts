import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { hashPassword } from './passwords.js';
import { audit } from '../audit/audit-log.js';
import { sendSystemMail } from '../customer-messages/mailer.js';
import { issuePasswordLink } from './password-links.js';
import { HttpError } from '../lib/errors.js';
import { bestEffort } from '../lib/best-effort.js';
import type { Log } from '../lib/log.js';

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
  forgot: {
    en: (name: string, link: string) => ({
      subject: 'Choose a new password',
      text: `Hello ${name},\n\nsomeone (we hope you) asked to reset your contact-hub password on the sign-in page. Choose a new one here (the link works once, for ${RESET_LINK_TTL_HOURS} hours):\n\n${link}\n\nIf it was not you, ignore this mail: your current password keeps working.\n`,
    }),
    fa: (name: string, link: string) => ({
      subject: 'انتخاب رمز عبور تازه',
      text: `${name} گرامی،\n\nکسی (امیدواریم خود شما) در صفحهٔ ورود بازنشانی رمز عبور شما در contact-hub را درخواست کرد. رمز تازه را از این پیوند انتخاب کنید (یک بار و تا ${RESET_LINK_TTL_HOURS} ساعت کار می‌کند):\n\n${link}\n\nاگر شما نبودید، این نامه را نادیده بگیرید؛ رمز کنونی شما همچنان کار می‌کند.\n`,
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
  kind: 'invite' | 'reset' | 'forgot',
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
  await audit(db, { actorId: actor.id, action: kind === 'invite' ? 'agent.invite_sent' : kind === 'forgot' ? 'agent.password_reset_requested' : 'agent.password_reset_sent', entity: 'agent', entityId: agentId, after: { sentTo: agent.email }, ip: actor.ip ?? null });
  return { sentTo: agent.email, expiresAt: expiresAt.toISOString() };
}

export const FORGOT_ANSWER = 'If an active account has this address, a link to choose a new password is on its way to it.';

/**
 * "Forgot password" on the sign-in page: mails the account's owner a reset link. Whether the address has an
 * account is never told (the caller answers FORGOT_ANSWER either way) nor shown by timing: the lookup is
 * the same for every address and the mail goes out after the answer. `allowed` is the per-address limit.
 */
export async function requestPasswordReset(
  db: Queryable,
  config: Config,
  o: { email: string; ip: string | null; allowed: () => Promise<boolean>; log: Pick<Log, 'warn'> },
): Promise<void> {
  if (!(await o.allowed())) return;
  const r = await db.query(`SELECT id FROM agents WHERE email = $1 AND active`, [o.email.trim().toLowerCase()]);
  const agentId: number | undefined = r.rows[0]?.id;
  if (!agentId) return;
  void bestEffort(sendPasswordLink(db, config, agentId, 'forgot', { id: null, ip: o.ip }), o.log, 'mailing a password reset link');
}
