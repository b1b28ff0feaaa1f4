import { fileTypeFromBuffer } from 'file-type';
import { HttpError, badRequest } from '../lib/errors.js';
import type { AttachmentStore } from './attachment-store.js';
import { toWellFormed } from '../lib/unicode.js';

/**
 * The one rule for attachment bytes entering the hub, whatever the channel (chat, portal, inbound API, email, MMS,
 * agent replies): a size cap, a content type from a fixed allow-list (sniffed from the bytes where the format has a
 * signature, otherwise `application/octet-stream`) and a file name that cannot carry paths, control characters or
 * bidi tricks. What a client *says* a file is never reaches a browser on its own.
 */

export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const FALLBACK_TYPE = 'application/octet-stream';

/** Types a browser may show in place (images except SVG, audio, video, PDF): exact matches, no parameters. */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/apng',
  'audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'audio/aac', 'audio/mp4', 'audio/x-m4a', 'audio/flac', 'audio/amr',
  'video/mp4', 'video/webm', 'video/ogg', 'video/quicktime', 'video/3gpp', 'video/x-m4v',
  'application/pdf',
]);

/** Types kept as such but always downloaded (office documents, archives, plain text, phone formats). */
const DOWNLOAD_TYPES: ReadonlySet<string> = new Set([
  'image/heic', 'image/heif', 'image/tiff',
  'application/zip', 'application/gzip', 'application/x-7z-compressed', 'application/rtf', 'application/epub+zip',
  'application/x-cfb', // legacy .doc/.xls/.ppt/.msg
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation',
  'text/plain', 'text/csv', 'text/calendar', 'text/vcard',
]);

/**
 * Formats without a byte signature: the declared type is believed only for these, and only when the bytes
 * are not recognisably something else. They are never shown inline.
 */
const UNSNIFFABLE_TEXT: ReadonlySet<string> = new Set(['text/plain', 'text/csv', 'text/calendar', 'text/vcard']);
const ALIASES: Record<string, string> = { 'text/x-vcard': 'text/vcard', 'image/jpg': 'image/jpeg', 'audio/mp3': 'audio/mpeg', 'audio/x-wav': 'audio/wav', 'audio/wave': 'audio/wav' };

export const ALLOWED_TYPES: ReadonlySet<string> = new Set([...INLINE_TYPES, ...DOWNLOAD_TYPES]);

/** `type/subtype` in lower case, without parameters, or null when the value is not one plain media type. */
export function plainMediaType(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^\s*([a-z0-9][a-z0-9!#$&^_.+-]{0,126})\/([a-z0-9][a-z0-9!#$&^_.+-]{0,126})\s*(?:;|$)/i.exec(value);
  if (!m) return null;
  // a comma anywhere means a list of types ("video/mp4;,text/html"): a browser may pick any of them
  if (value.includes(',')) return null;
  const t = `${m[1]}/${m[2]}`.toLowerCase();
  return ALIASES[t] ?? t;
}

/** A stored type as it may go out in a response: allow-listed and plain, otherwise octet-stream. */
export function servableType(stored: string | null | undefined): string {
  const t = plainMediaType(stored);
  return t && ALLOWED_TYPES.has(t) && t === String(stored).trim().toLowerCase() ? t : FALLBACK_TYPE;
}

/** The content type to store for these bytes: sniffed where the format has a signature, else a believable text type, else octet-stream. */
export async function contentTypeFor(content: Buffer, declared?: string | null): Promise<string> {
  const sniffed = content.length ? await fileTypeFromBuffer(content).catch(() => undefined) : undefined;
  const fromBytes = plainMediaType(sniffed?.mime);
  if (fromBytes) return ALLOWED_TYPES.has(fromBytes) ? fromBytes : FALLBACK_TYPE;
  const claimed = plainMediaType(declared);
  if (claimed && UNSNIFFABLE_TEXT.has(claimed)) return claimed;
  return FALLBACK_TYPE;
}

// Bidi embeddings/overrides/isolates and marks: they make "evil‮fdp.exe" read as "evilexe.pdf".
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// Control characters; other invisible format characters except ZWNJ/ZWJ, which Persian words need.
const INVISIBLE = /[\p{Cc}\u00AD\u180E\u200B\u2028\u2029\u2060-\u2064\uFEFF\uFFF9-\uFFFB]/gu;
const RESERVED = /[<>:"|?*\\/]/g;
const MAX_NAME_CHARS = 200;

/**
 * A file name safe to store, show and offer for download: the last path segment only, NFC, without control,
 * bidi or other invisible characters, without characters Windows forbids, not hidden (no leading dot),
 * at most 200 characters (the extension is kept). Letters of any script, Persian included, stay as they are.
 */
export function sanitiseFilename(name: string | null | undefined, fallback = 'attachment'): string {
  let n = toWellFormed(String(name ?? '')).normalize('NFC');
  n = n.split(/[\\/]/).pop() ?? '';
  n = n.replace(BIDI, '').replace(INVISIBLE, '').replace(RESERVED, '_').replace(/\s+/g, ' ');
  n = n.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if ([...n].length > MAX_NAME_CHARS) {
    const chars = [...n];
    const dot = n.lastIndexOf('.');
    const ext = dot > 0 && n.length - dot <= 16 ? n.slice(dot) : '';
    n = chars.slice(0, MAX_NAME_CHARS - [...ext].length).join('').trimEnd() + ext;
  }
  return n || fallback;
}

export class AttachmentTooLargeError extends HttpError {
  constructor(filename: string, size: number, maxBytes: number) {
    super(413, `attachment "${filename}" is ${size} bytes; the limit is ${maxBytes} bytes`, [{ field: 'attachments', reason: 'too large' }]);
  }
}

export interface ScreenedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Applies the whole policy to one file; throws AttachmentTooLargeError over the cap. */
export async function screenAttachment(
  a: { filename?: string | null; contentType?: string | null; content: Buffer },
  maxBytes: number = DEFAULT_MAX_ATTACHMENT_BYTES,
): Promise<ScreenedAttachment> {
  const filename = sanitiseFilename(a.filename);
  if (a.content.length > maxBytes) throw new AttachmentTooLargeError(filename, a.content.length, maxBytes);
  return { filename, contentType: await contentTypeFor(a.content, a.contentType), content: a.content };
}

/**
 * Decodes base64 attachments of a JSON request (chat, portal, inbound API, agent replies) with the caller's cap,
 * so an oversized file is refused with 413 before anything is stored.
 */
export function decodeBase64Attachments(
  files: { filename: string; contentType?: string; contentBase64: string }[],
  maxBytes: number,
): { filename: string; contentType: string; content: Buffer }[] {
  return files.map((f, i) => {
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(f.contentBase64)) throw badRequest(`attachments[${i}].contentBase64 is not base64`, [{ field: `attachments.${i}.contentBase64`, reason: 'not base64' }]);
    // a cheap upper bound first, so a huge body is refused without decoding it
    if (Math.floor((f.contentBase64.length * 3) / 4) > maxBytes + 3) {
      const size = Buffer.byteLength(f.contentBase64, 'base64');
      if (size > maxBytes) throw new AttachmentTooLargeError(sanitiseFilename(f.filename), size, maxBytes);
    }
    const content = Buffer.from(f.contentBase64, 'base64');
    if (content.length > maxBytes) throw new AttachmentTooLargeError(sanitiseFilename(f.filename), content.length, maxBytes);
    return { filename: f.filename, contentType: f.contentType ?? FALLBACK_TYPE, content };
  });
}

export interface StoredAttachment {
  filename: string;
  contentType: string;
  key: string;
  sha256: string;
  size: number;
}

/** The only way attachment bytes enter storage: screened with the store's cap, then written. */
export async function storeAttachment(
  store: AttachmentStore,
  a: { filename?: string | null; contentType?: string | null; content: Buffer },
): Promise<StoredAttachment> {
  const s = await screenAttachment(a, store.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES);
  return { filename: s.filename, contentType: s.contentType, ...(await store.put(s.content, s.filename)) };
}
