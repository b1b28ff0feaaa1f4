import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import type { InboundAttachment } from '../../ingest/pipeline.js';
import { messageIdList, normaliseMessageId } from './message-ids.js';

export interface ParsedEmail {
  /** Message-ID without brackets; a stable digest of the raw bytes when the message has none. */
  messageId: string;
  hasMessageId: boolean;
  from: { address: string; name?: string } | null;
  to: string[];
  cc: string[];
  replyTo: string[];
  subject: string;
  text: string;
  /** The HTML part as received (unsanitised); sanitise before storing or showing it. */
  html: string | null;
  inReplyTo: string[];
  references: string[];
  /** Lower-cased header name → raw value(s), for noise detection and the raw event. */
  headers: Record<string, string>;
  contentType: string;
  /** The Date header, when it parses. */
  date: Date | null;
  attachments: InboundAttachment[];
  /** Why the MIME structure is broken, if it is; a broken message is still stored. */
  defects: string[];
}

/** Parses one RFC 822 message. Never throws: what cannot be parsed is reported in `defects`. */
export async function parseMime(raw: Buffer): Promise<ParsedEmail> {
  const defects = structuralDefects(raw);
  const digestId = `sha256-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}@no-message-id.invalid`;
  let parsed;
  try {
    parsed = await simpleParser(raw, { keepCidLinks: true, skipImageLinks: true, maxHtmlLengthToParse: 2_000_000 });
  } catch (err) {
    return {
      messageId: digestId,
      hasMessageId: false,
      from: senderFromRawHeaders(raw),
      to: [],
      cc: [],
      replyTo: [],
      subject: '',
      text: bestEffortText(raw),
      html: null,
      inReplyTo: [],
      references: [],
      headers: {},
      contentType: '',
      date: null,
      attachments: [],
      defects: [...defects, `unparseable: ${(err as Error).message}`],
    };
  }

  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines ?? []) {
    const value = noNul(line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim()).slice(0, 10_000);
    const name = noNul(line.key ?? '').trim();
    if (!name || !/^[!-9;-~]+$/.test(name)) continue;
    headers[name] = headers[name] ? `${headers[name]}\n${value}` : value;
  }
  const from = firstAddress(parsed.from) ?? senderFromRawHeaders(raw);
  if (!from) defects.push('no sender address (From)');
  const messageId = normaliseMessageId(parsed.messageId);
  const contentType = (headers['content-type'] ?? 'text/plain').toLowerCase();

  const attachments: InboundAttachment[] = (parsed.attachments ?? []).map((a, i) => ({
    filename: a.filename || `attachment-${i + 1}${extensionFor(a.contentType)}`,
    contentType: a.contentType || 'application/octet-stream',
    content: a.content,
    contentId: a.contentId ? a.contentId.replace(/^<|>$/g, '') : undefined,
    inline: a.contentDisposition === 'inline' || Boolean(a.related),
  }));

  let text = parsed.text ?? '';
  if (!text.trim() && defects.length) text = bestEffortText(raw);

  return {
    messageId: messageId ?? digestId,
    hasMessageId: Boolean(messageId),
    from,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    replyTo: addresses(parsed.replyTo),
    subject: noNul(parsed.subject ?? '').trim(),
    text: noNul(text),
    html: typeof parsed.html === 'string' && parsed.html.trim() ? noNul(parsed.html) : null,
    inReplyTo: messageIdList(parsed.inReplyTo),
    references: messageIdList(parsed.references),
    headers,
    contentType,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    attachments,
    defects,
  };
}

// PostgreSQL text and jsonb cannot hold NUL characters; they carry no meaning in mail text anyway.
function noNul(s: string): string {
  return s.includes('\u0000') ? s.replace(/\u0000/g, '') : s;
}

function firstAddress(obj: AddressObject | AddressObject[] | undefined): { address: string; name?: string } | null {
  const list = (Array.isArray(obj) ? obj : obj ? [obj] : []).flatMap((o) => flatten(o.value));
  const a = list.find((x) => x.address && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(x.address));
  return a?.address ? { address: a.address.toLowerCase(), ...(a.name ? { name: a.name } : {}) } : null;
}

function addresses(obj: AddressObject | AddressObject[] | undefined): string[] {
  const list = (Array.isArray(obj) ? obj : obj ? [obj] : []).flatMap((o) => flatten(o.value));
  return [...new Set(list.map((a) => a.address?.toLowerCase()).filter((a): a is string => Boolean(a && a.includes('@'))))];
}

type Addr = { address?: string; name: string; group?: Addr[] };
function flatten(list: Addr[]): Addr[] {
  return list.flatMap((a) => (a.group ? flatten(a.group) : [a]));
}

/** Checks mailparser forgives silently but that mean the message did not arrive as its sender meant. */
function structuralDefects(raw: Buffer): string[] {
  const defects: string[] = [];
  const s = raw.toString('latin1');
  const sep = s.search(/\r?\n\r?\n/);
  const head = sep >= 0 ? s.slice(0, sep) : s;
  if (sep < 0) defects.push('no header/body separator');
  const lines = head.split(/\r?\n/).filter((l) => l && !/^[ \t]/.test(l));
  if (!lines.length || lines.some((l) => !/^[!-9;-~]+:/.test(l))) defects.push('invalid header lines');
  const ct = /^content-type:([^\n]*(?:\r?\n[ \t][^\n]*)*)/im.exec(head)?.[1] ?? '';
  if (/multipart\//i.test(ct)) {
    const b = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(ct);
    const boundary = b?.[1] ?? b?.[2];
    if (!boundary) defects.push('multipart without boundary');
    else if (!s.includes(`--${boundary}`)) defects.push('multipart boundary never occurs');
    else if (!s.includes(`--${boundary}--`)) defects.push('multipart not terminated');
  }
  return defects;
}

function senderFromRawHeaders(raw: Buffer): { address: string } | null {
  const s = raw.subarray(0, 64 * 1024).toString('latin1');
  for (const h of ['from', 'sender', 'reply-to', 'return-path']) {
    const m = new RegExp(`^${h}:[^\\n]*?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,})`, 'im').exec(s);
    if (m) return { address: m[1].toLowerCase() };
  }
  return null;
}

function bestEffortText(raw: Buffer): string {
  const s = raw.toString('utf8');
  const sep = s.search(/\r?\n\r?\n/);
  const body = sep >= 0 ? s.slice(sep).trim() : s;
  return body.replace(/\u0000/g, '').slice(0, 200_000);
}

function extensionFor(ct: string): string {
  const m = /^[a-z]+\/([a-z0-9.+-]+)$/i.exec(ct ?? '');
  return m ? `.${m[1].replace(/^x-/, '').slice(0, 8)}` : '';
}
