import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Log } from '../../lib/log.js';
import { ingest, type IngestDeps, type IngestResult } from '../../ingest/pipeline.js';
import { classifyNoise, isNoReplyAddress } from './noise.js';
import { parseMime, type ParsedEmail } from './parse-mime.js';
import { sanitizeEmailHtml } from './sanitize-html.js';
import { trimQuotedText } from './trim-quoted.js';
import { resolveEmailCase, senderScopedMessageId } from './threading.js';
import { ownAddresses, type Mailbox } from './mailboxes.js';
import { recordAutoAck } from './auto-ack.js';
import { bounceReason, findBouncedMessages, markBounced } from './bounces.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { rooms } from '../../contracts/realtime.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES, sanitiseFilename } from '../../storage/attachment-policy.js';
import { bestEffort } from '../../lib/best-effort.js';

const ACK_MAX_AGE_MS = 24 * 3600_000;

export interface EmailInboundDeps {
  ingest: IngestDeps;
  config: Pick<Config, 'encryptionKey' | 'emailThrottle' | 'emailAutoAckPerHour'>;
  /** Where acknowledgements are queued for delivery. */
  outbound: { add(name: string, data: { interactionId: number }, opts: { jobId: string }): Promise<unknown> } | null;
  log?: Log;
  /** Tells agents looking at a case that a reply bounced. */
  realtime?: RealtimeEmitter;
}

export type EmailInboundOutcome =
  | { stored: 'interaction'; result: IngestResult; messageId: string; flags: string[]; autoAckId: number | null }
  /** Nothing a case can hold (no sender, our own mail coming back): kept as a flagged raw event. */
  | { stored: 'raw-only'; rawEventId: number | null; messageId: string; flags: string[] };

/**
 * One raw RFC 822 message from a mailbox or a relay webhook → the ingest pipeline. The Message-ID is the
 * provider id, so the same mail fetched twice is stored once. Never drops a message: what cannot be
 * parsed is stored raw and flagged.
 */
export async function ingestRawEmail(
  deps: EmailInboundDeps,
  raw: Buffer,
  opts: {
    mailbox: Mailbox | null;
    /** Without a mailbox: find it among the recipients (Delivered-To, To, Cc). */
    findMailbox?: (recipients: string[]) => Promise<Mailbox | null>;
    source: 'imap' | 'webhook';
    uid?: number;
  },
): Promise<EmailInboundOutcome> {
  const db = deps.ingest.db;
  const key = deps.config.encryptionKey;
  const p = await parseMime(raw);
  const delivered = ['delivered-to', 'x-original-to', 'envelope-to']
    .flatMap((h) => (p.headers[h] ?? '').split('\n'))
    .map((v) => v.trim().replace(/^<|>$/g, '').toLowerCase())
    .filter(Boolean);
  const mailbox = opts.mailbox ?? (opts.findMailbox ? await opts.findMailbox([...delivered, ...p.to, ...p.cc]) : null);
  const flags: string[] = [];
  if (p.defects.length) flags.push(`malformed-mime: ${p.defects.join('; ')}`);

  const ours = await ownAddresses(db);
  if (!p.from || ours.has(p.from.address)) {
    flags.push(p.from ? 'loop: sent by one of our mailboxes' : 'no usable sender');
    return { stored: 'raw-only', rawEventId: await storeRawOnly(deps, raw, p, flags), messageId: p.messageId, flags };
  }
  const sender = p.from.address;

  const providerMessageId = await providerIdFor(deps, p.messageId, sender);
  const noise = classifyNoise(p.headers, p.contentType, sender);
  if (noise) flags.push(noise);
  const throttled = await isThrottled(deps, sender);
  if (throttled) flags.push('throttled');

  const senderCustomerId = await customerOfAddress(deps, sender);
  const messageIds = [...p.inReplyTo, ...p.references.slice().reverse()];
  const bounced = noise === 'bounce' ? await findBouncedMessages(db, key, raw) : [];
  const thread = bounced.length
    ? { caseId: bounced[0].caseId, customerId: bounced[0].customerId }
    : await resolveEmailCase(db, key, { sender, senderCustomerId, messageIds, subject: p.subject });

  // A mail is never refused for one oversized file: the file is left out and the case says so.
  const maxBytes = deps.ingest.store.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const attachments = p.attachments.filter((a) => a.content.length <= maxBytes);
  for (const a of p.attachments) if (a.content.length > maxBytes) flags.push(`attachment-too-large: ${sanitiseFilename(a.filename)} (${a.content.length} bytes)`);

  const trimmed = trimQuotedText(p.text);
  const html = p.html ? sanitizeEmailHtml(p.html) : undefined;
  const result = await ingest(deps.ingest, {
    channel: 'email',
    provider: 'email',
    providerMessageId,
    from: { kind: 'email', value: sender, name: p.from.name },
    to: mailbox?.address ?? p.to[0],
    subject: p.subject || undefined,
    text: trimmed.text,
    html,
    attachments,
    threading: {
      // Re-checked inside the transaction; a mail that matches nothing opens a new case (no time-window guess).
      resolveCase: async (tx, ctx) =>
        bounced.length ? bounced[0].caseId : ((await resolveEmailCase(tx, key, { sender, senderCustomerId: ctx.customerId, messageIds, subject: p.subject }))?.caseId ?? null),
      forceNewCase: true,
    },
    customerId: thread && thread.customerId !== senderCustomerId ? thread.customerId : undefined,
    caseDefaults: mailbox?.queueId ? { queueId: mailbox.queueId } : undefined,
    customer: { name: p.from.name, language: guessLanguage(`${p.subject}\n${trimmed.text}`) },
    metadata: {
      messageId: p.messageId,
      ...(p.hasMessageId ? {} : { messageIdSynthesised: true }),
      inReplyTo: p.inReplyTo,
      references: p.references,
      to: p.to,
      cc: p.cc,
      ...(p.replyTo.length ? { replyTo: p.replyTo } : {}),
      ...(mailbox ? { mailboxId: mailbox.id } : {}),
      source: opts.source,
      ...(opts.uid !== undefined ? { imapUid: opts.uid } : {}),
      ...(trimmed.trimmed ? { fullText: p.text.slice(0, 500_000) } : {}),
      ...(flags.length ? { flags } : {}),
    },
    raw,
    rawHeaders: p.headers,
    flag: flags.length ? flags.join(', ') : undefined,
    // Noise is kept on record but does not wake an agent.
    skipRouting: Boolean(noise) || throttled,
  });

  let autoAckId: number | null = null;
  if (!result.duplicate && bounced.length) {
    const reason = bounceReason(raw);
    for (const b of await markBounced(db, bounced.map((x) => x.interactionId), reason)) {
      await deps.realtime?.emit({ nsp: '/agent', room: rooms.case(b.caseId), event: 'interaction:status', payload: { caseId: b.caseId, interactionId: b.id, status: 'failed', error: reason } });
    }
  }
  if (!result.duplicate) {
    if (!noise && !throttled) await recordParticipants(deps, result.caseId, result.customerId, [sender, ...p.to, ...p.cc], ours);
    // Old mail (e.g. the backlog of a mailbox connected for the first time) is not acknowledged years late.
    const recent = !p.date || Date.now() - p.date.getTime() < ACK_MAX_AGE_MS;
    if (result.newCase && recent && mailbox?.autoAck && !noise && !throttled && !p.defects.length && !isNoReplyAddress(sender)) {
      autoAckId = await recordAutoAck(db, { caseId: result.caseId, mailbox, to: sender, maxPerHour: deps.config.emailAutoAckPerHour });
      if (autoAckId && deps.outbound) {
        // If Redis is down the acknowledgement stays queued in Postgres and the outbound sweep sends it.
        await bestEffort(deps.outbound.add('deliver', { interactionId: autoAckId }, { jobId: `out-${autoAckId}` }), deps.log, 'queueing the acknowledgement');
      }
    }
  }
  return { stored: 'interaction', result, messageId: p.messageId, flags, autoAckId };
}

/**
 * Message-IDs are meant to be unique, but broken mailers and forgers reuse them. A second, different
 * message under a known id from another sender is kept as its own message instead of vanishing as a replay.
 */
async function providerIdFor(deps: EmailInboundDeps, messageId: string, sender: string): Promise<string> {
  const r = await deps.ingest.db.query(
    `SELECT from_address FROM interactions WHERE provider = 'email' AND provider_message_id = $1`,
    [messageId],
  );
  if (!r.rowCount || r.rows[0].from_address === sender) return messageId;
  return senderScopedMessageId(messageId, sender);
}

async function isThrottled(deps: EmailInboundDeps, sender: string): Promise<boolean> {
  const r = await deps.ingest.db.query(
    `SELECT count(*)::int AS n FROM interactions
      WHERE channel = 'email' AND direction = 'inbound' AND from_address = $1 AND created_at > now() - make_interval(secs => $2)`,
    [sender, deps.config.emailThrottle.windowSeconds],
  );
  return r.rows[0].n >= deps.config.emailThrottle.max;
}

async function customerOfAddress(deps: EmailInboundDeps, address: string): Promise<number | null> {
  const r = await deps.ingest.db.query(
    `SELECT COALESCE(c.merged_into_id, c.id) AS id FROM customer_identities ci JOIN customers c ON c.id = ci.customer_id
      WHERE ci.kind = 'email' AND ci.value = $1`,
    [address],
  );
  return r.rows[0]?.id ?? null;
}

/** Everyone on the mail except us and the customer becomes a participant of the case, and is kept on replies. */
async function recordParticipants(deps: EmailInboundDeps, caseId: number, customerId: number, addresses: string[], ours: Set<string>) {
  const own = await deps.ingest.db.query(`SELECT value FROM customer_identities WHERE customer_id = $1 AND kind = 'email'`, [customerId]);
  const customerAddresses = new Set(own.rows.map((r) => r.value as string));
  const people = [...new Set(addresses.map((a) => a.toLowerCase()))].filter((a) => !ours.has(a) && !customerAddresses.has(a) && !isNoReplyAddress(a));
  for (const a of people) {
    await deps.ingest.db.query(
      `INSERT INTO case_participants (case_id, kind, value, role) VALUES ($1, 'email', $2, 'cc') ON CONFLICT DO NOTHING`,
      [caseId, a],
    );
  }
}

async function storeRawOnly(deps: EmailInboundDeps, raw: Buffer, p: ParsedEmail, flags: string[]): Promise<number | null> {
  const r = await deps.ingest.db.query(
    `INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
     VALUES ('email', $1, 'email', $2, $3, 'flagged', $4)
     ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING RETURNING id`,
    [p.messageId, JSON.stringify(p.headers), JSON.stringify({ encoding: 'base64', data: raw.toString('base64') }), flags.join(', ')],
  );
  deps.log?.warn({ messageId: p.messageId, flags }, 'email stored raw only');
  return r.rows[0]?.id ?? null;
}

/**
 * A message that keeps failing to ingest (a bug, not an outage) is kept raw and flagged so the mailbox
 * can move past it; an outage makes this insert fail too, and the message is fetched again later.
 */
export async function storeUnprocessableEmail(db: IngestDeps['db'], raw: Buffer, reason: string): Promise<void> {
  const messageId = `sha256-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@unprocessable.invalid`;
  await db.query(
    `INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
     VALUES ('email', $1, 'email', '{}', $2, 'flagged', $3)
     ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING`,
    [messageId, JSON.stringify({ encoding: 'base64', data: raw.toString('base64') }), `unprocessable: ${reason}`.slice(0, 2000)],
  );
}

/** A new customer writing in Persian script gets Persian replies (acknowledgements, templates) by default. */
function guessLanguage(text: string): 'fa' | undefined {
  const letters = text.match(/\p{L}/gu) ?? [];
  if (!letters.length) return undefined;
  const persian = letters.filter((ch) => /[\u0600-\u06FF\uFB50-\uFDFF]/.test(ch)).length;
  return persian / letters.length > 0.5 ? 'fa' : undefined;
}
