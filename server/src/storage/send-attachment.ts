import type { FastifyReply } from 'fastify';
import type { AttachmentStore } from './attachment-store.js';

/** Images a browser may show in place; everything else downloads. */
export const INLINE_IMAGES = /^image\/(png|jpeg|gif|webp)$/;

/**
 * Streams a stored attachment with headers that keep the browser from sniffing or running it.
 * The filename is RFC 5987-encoded so Persian and other non-ASCII names survive.
 */
export async function sendAttachment(
  reply: FastifyReply,
  store: AttachmentStore,
  a: { filename: string; content_type: string; storage_key: string },
  inline: RegExp = INLINE_IMAGES,
) {
  return reply
    .header('content-type', a.content_type)
    .header('x-content-type-options', 'nosniff')
    .header('content-disposition', `${inline.test(a.content_type) ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(a.filename)}`)
    .send(await store.get(a.storage_key));
}
