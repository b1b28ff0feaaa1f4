import type { FastifyReply } from 'fastify';
import type { AttachmentStore } from './attachment-store.js';
import { INLINE_TYPES, sanitiseFilename, servableType } from './attachment-policy.js';

/** RFC 5987 attr-char: what may stay unescaped in `filename*` (encodeURIComponent leaves a few more). */
const encodeRfc5987 = (s: string) => encodeURIComponent(s).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A Content-Disposition value (RFC 6266) that every browser reads and that never puts raw non-ASCII into a header:
 * an ASCII `filename` fallback for old clients and the real name, UTF-8 percent-encoded, in `filename*`.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', filename: string): string {
  const name = sanitiseFilename(filename);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const ascii = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]+/g, '_').replace(/["\\%;]/g, '_');
  const asciiStem = /[A-Za-z0-9]/.test(ascii(stem)) ? ascii(stem) : 'attachment';
  const asciiExt = /^\.[A-Za-z0-9]{1,10}$/.test(ext) ? ext : '';
  return `${disposition}; filename="${asciiStem}${asciiExt}"; filename*=UTF-8''${encodeRfc5987(name)}`;
}

/**
 * The one way an attachment leaves the hub, on every route (agent workspace, chat widget, portal, MMS media links).
 * Only exact allow-listed types (images except SVG, audio, video, PDF) are shown in place; everything else downloads.
 * The sandbox CSP keeps even a mislabelled file from running script on the hub's origin, and nosniff keeps the
 * browser from second-guessing the type.
 */
export async function sendAttachment(
  reply: FastifyReply,
  store: AttachmentStore,
  a: { filename: string; content_type: string; storage_key: string },
  opts: { cacheControl?: string } = {},
) {
  const type = servableType(a.content_type);
  const body = await store.get(a.storage_key);
  return reply
    .header('content-type', type)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'")
    .header('content-disposition', contentDisposition(INLINE_TYPES.has(type) ? 'inline' : 'attachment', a.filename))
    .header('cache-control', opts.cacheControl ?? 'private, no-cache')
    .send(body);
}
