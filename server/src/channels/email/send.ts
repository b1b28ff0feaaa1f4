import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { PermanentDeliveryError, type OutboundMessage, type SendContext, type SendResult } from '../types.js';
import { mailboxForCase, ownAddresses, type Mailbox } from './mailboxes.js';
import { domainOf, outgoingMessageId } from './message-ids.js';
import { subjectCaseNumber } from './threading.js';
import { isNoReplyAddress } from './noise.js';
import { MailAuthError, smtpAuth } from './mail-auth.js';

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/**
 * Sends an agent reply or acknowledgement through the case's mailbox. Threading headers point at the
 * customer's last mail, the Message-ID encodes the case, participants stay on copy.
 */
export async function sendEmail(ctx: SendContext, msg: OutboundMessage): Promise<SendResult> {
  const key = ctx.config.encryptionKey;
  // acknowledgements and customer notices (customer-messages/notices.ts) are automatic mail: no copies, no signature
  const autoAck = msg.metadata.autoAck === true || typeof msg.metadata.notice === 'string';
  const mailbox = await mailboxForCase(ctx.db, key, msg.caseId, typeof msg.metadata.mailboxId === 'number' ? msg.metadata.mailboxId : null);
  const sender = senderFor(ctx, mailbox);
  let to = (msg.to ?? '').trim().toLowerCase();
  if (isNoReplyAddress(to)) {
    // The last mail on the case was a delivery report or a no-reply robot: answer the customer instead.
    to = (await customerAddress(ctx, msg.caseId, msg.customerId)) ?? to;
  }
  if (!EMAIL.test(to)) throw new PermanentDeliveryError(`"${msg.to ?? ''}" is not an email address`);
  if (isNoReplyAddress(to)) throw new PermanentDeliveryError(`${to} does not accept replies`);

  const c = await ctx.db.query(
    `SELECT c.number, c.subject, c.customer_id, COALESCE(c.language, cu.language) AS language FROM cases c LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`,
    [msg.caseId],
  );
  const theCase = c.rows[0];
  // the mailbox's signature in the case's language goes under agents' replies, not under acknowledgements
  const signature = autoAck ? '' : (mailbox?.signature[theCase?.language === 'fa' ? 'fa' : 'en'] ?? '').trim();
  const text = signature ? `${msg.text}\n\n-- \n${signature}` : msg.text;
  const html = msg.html && signature ? `${msg.html}<br><br>-- <br>${escapeHtml(signature).replace(/\n/g, '<br>')}` : msg.html;
  const thread = await threadHeaders(ctx, msg.caseId, msg.interactionId);
  const messageId = outgoingMessageId(key, msg.caseId, msg.interactionId, domainOf(sender.address));
  const subject = subjectFor(msg.subject || theCase?.subject || '', msg.caseNumber, Boolean(thread.inReplyTo) && !autoAck);
  const cc = autoAck ? [] : await copyList(ctx, msg, to);

  const attachments = [];
  for (const a of msg.attachments) attachments.push({ filename: a.filename, contentType: a.contentType, content: await ctx.store.get(a.storageKey) });

  let transport;
  try {
    transport = await sender.transport();
  } catch (err) {
    if (err instanceof MailAuthError && err.permanent) throw new PermanentDeliveryError(`cannot sign in to SMTP: ${err.message}`);
    throw err;
  }
  try {
    const info = await transport.sendMail({
      from: { name: sender.name, address: sender.address },
      to,
      ...(cc.length ? { cc } : {}),
      subject,
      text,
      ...(html ? { html } : {}),
      messageId: `<${messageId}>`,
      ...(thread.inReplyTo ? { inReplyTo: `<${thread.inReplyTo}>` } : {}),
      ...(thread.references.length ? { references: thread.references.map((r) => `<${r}>`) } : {}),
      attachments,
      // RFC 3834: an acknowledgement is itself automatic, so other robots must not answer it.
      headers: autoAck ? { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All', Precedence: 'auto_reply' } : {},
    });
    if (!autoAck && cc.length) {
      for (const a of cc) {
        await ctx.db.query(`INSERT INTO case_participants (case_id, kind, value, role) VALUES ($1, 'email', $2, 'cc') ON CONFLICT DO NOTHING`, [msg.caseId, a]);
      }
    }
    return {
      provider: 'email',
      providerMessageId: messageId,
      status: 'sent',
      metadata: {
        messageId,
        inReplyTo: thread.inReplyTo,
        references: thread.references,
        cc,
        from: sender.address,
        ...(mailbox ? { mailboxId: mailbox.id } : {}),
        smtpResponse: String(info.response ?? '').slice(0, 300),
      },
    };
  } catch (err) {
    throw classify(err as Error & { code?: string; responseCode?: number; response?: string });
  } finally {
    transport.close();
  }
}

function senderFor(ctx: SendContext, mailbox: Mailbox | null) {
  if (mailbox?.smtp.host) {
    const m = mailbox;
    return {
      name: m.displayName,
      address: m.address,
      transport: async () => smtpTransport(m, await smtpAuth(ctx.config.microsoftLoginUrl, m)),
    };
  }
  if (ctx.config.smtp.url && ctx.config.smtp.from) {
    const url = ctx.config.smtp.url;
    const from = ctx.config.smtp.from;
    const address = (/<([^>]+)>/.exec(from)?.[1] ?? from).trim().toLowerCase();
    const name = from.includes('<') ? from.slice(0, from.indexOf('<')).trim().replace(/^"|"$/g, '') : '';
    return { name, address, transport: async () => nodemailer.createTransport(url) };
  }
  throw new PermanentDeliveryError(
    mailbox ? `mailbox ${mailbox.address} has no SMTP server configured` : 'no mailbox can send this case (configure a mailbox with SMTP, or SMTP_URL and SMTP_FROM)',
  );
}

export function smtpTransport(m: Mailbox, auth: Awaited<ReturnType<typeof smtpAuth>>) {
  return nodemailer.createTransport({
    host: m.smtp.host!,
    port: m.smtp.port,
    secure: m.smtp.security === 'tls',
    requireTLS: m.smtp.security === 'starttls',
    ignoreTLS: m.smtp.security === 'none',
    ...(auth ? { auth } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } satisfies SMTPTransport.Options);
}

/** In-Reply-To the customer's latest mail on the case (else our latest), References = its chain plus it. */
async function threadHeaders(ctx: SendContext, caseId: number, interactionId: number): Promise<{ inReplyTo: string | null; references: string[] }> {
  const r = await ctx.db.query(
    `SELECT direction, provider_message_id, metadata FROM interactions
      WHERE case_id = $1 AND channel = 'email' AND id <> $2 AND provider = 'email' AND provider_message_id IS NOT NULL
        AND (direction = 'inbound' OR delivery_status IN ('sent', 'delivered', 'read'))
      ORDER BY (direction = 'inbound') DESC, id DESC LIMIT 1`,
    [caseId, interactionId],
  );
  const row = r.rows[0];
  if (!row) return { inReplyTo: null, references: [] };
  const id: string = row.metadata?.messageId ?? row.provider_message_id;
  const refs: string[] = Array.isArray(row.metadata?.references) ? row.metadata.references : [];
  const chain = [...refs.filter((x) => x !== id), id];
  // Keep the thread root and the most recent ids; some servers reject very long headers.
  const references = chain.length > 20 ? [chain[0], ...chain.slice(-19)] : chain;
  return { inReplyTo: id, references };
}

function subjectFor(base: string, caseNumber: number, isReply: boolean): string {
  let s = base.trim() || `Case #${caseNumber}`;
  if (isReply && !/^(re|aw|sv|antw|پاسخ)\s*:/i.test(s)) s = `Re: ${s}`;
  if (subjectCaseNumber(s) !== caseNumber) s = `${s} [#${caseNumber}]`;
  return s;
}

async function customerAddress(ctx: SendContext, caseId: number, customerId: number): Promise<string | null> {
  const r = await ctx.db.query(
    `SELECT ci.value FROM customer_identities ci
       LEFT JOIN LATERAL (SELECT max(i.id) AS last FROM interactions i WHERE i.case_id = $1 AND i.direction = 'inbound' AND i.from_address = ci.value) l ON true
      WHERE ci.customer_id = $2 AND ci.kind = 'email'
      ORDER BY l.last DESC NULLS LAST, ci.id LIMIT 1`,
    [caseId, customerId],
  );
  return r.rows[0]?.value ?? null;
}

/** Copy: the agent's CC list, the case's participants, and the customer when the reply goes to someone else. */
async function copyList(ctx: SendContext, msg: OutboundMessage, to: string): Promise<string[]> {
  const explicit = Array.isArray(msg.metadata.cc) ? (msg.metadata.cc as string[]) : [];
  const p = await ctx.db.query(`SELECT value FROM case_participants WHERE case_id = $1 AND kind = 'email' ORDER BY created_at`, [msg.caseId]);
  const cust = await ctx.db.query(
    `SELECT from_address FROM interactions WHERE case_id = $1 AND channel = 'email' AND direction = 'inbound'
        AND from_address IN (SELECT value FROM customer_identities WHERE customer_id = $2 AND kind = 'email')
      ORDER BY id DESC LIMIT 1`,
    [msg.caseId, msg.customerId],
  );
  const ours = await ownAddresses(ctx.db);
  const all = [...explicit, ...p.rows.map((r) => r.value as string), ...cust.rows.map((r) => r.from_address as string)];
  return [...new Set(all.map((a) => a.trim().toLowerCase()))].filter((a) => EMAIL.test(a) && a !== to && !ours.has(a) && !isNoReplyAddress(a));
}

/** Connection problems and 4xx replies are retried; 5xx replies and bad credentials are not. */
function classify(err: Error & { code?: string; responseCode?: number; response?: string }): Error {
  const detail = err.response ? `${err.message}` : err.message;
  if ((err.responseCode && err.responseCode >= 500) || err.code === 'EAUTH' || err.code === 'EENVELOPE' && (err.responseCode ?? 0) >= 500) {
    return new PermanentDeliveryError(`SMTP rejected the message: ${detail}`);
  }
  if (err instanceof PermanentDeliveryError) return err;
  const e = new Error(`SMTP delivery failed: ${detail}${err.code ? ` (${err.code})` : ''}`);
  return e;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
