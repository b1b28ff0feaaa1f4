import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.js';

export interface SystemMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  language?: string;
  /** a stable Message-ID: a resend after an unknown outcome carries the same one */
  messageId?: string;
}

const transports = new Map<string, Transporter>();

/** System mail (sign-in links, transcripts, reply notices) through the configured SMTP server. */
export async function sendSystemMail(config: Config, mail: SystemMail): Promise<{ messageId: string }> {
  if (!config.smtp.url) throw new Error('SMTP_URL is not configured; system mail cannot be sent');
  let transport = transports.get(config.smtp.url);
  if (!transport) {
    transport = nodemailer.createTransport(config.smtp.url);
    transports.set(config.smtp.url, transport);
  }
  const info = await transport.sendMail({
    from: config.smtp.from ?? `support@${new URL(config.publicUrl).hostname}`,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.language ? { 'Content-Language': mail.language } : undefined,
    ...(mail.messageId ? { messageId: `<${mail.messageId}>` } : {}),
  });
  return { messageId: info.messageId };
}
