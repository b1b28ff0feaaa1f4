import { createHmac } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../../config.js';
import { safeEqual } from '../../lib/tokens.js';
import { sendAttachment } from '../../storage/send-attachment.js';

/** How long Twilio may take to fetch an outbound MMS attachment. */
const LINK_TTL_SECONDS = 24 * 3600;

const sign = (config: Config, key: string, exp: number) =>
  createHmac('sha256', config.encryptionKey).update(`twilio-media:${key}:${exp}`).digest('base64url');

/**
 * A link Twilio can fetch an outbound MMS attachment from: Twilio's media fetcher sends no signature, so the link
 * itself carries an HMAC over the storage key and an expiry.
 */
export function mediaLink(config: Config, storageKey: string, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + LINK_TTL_SECONDS;
  const k = Buffer.from(storageKey).toString('base64url');
  return `${config.publicUrl}/webhooks/twilio/media/${k}?exp=${exp}&sig=${sign(config, storageKey, exp)}`;
}

/** GET /webhooks/twilio/media/:key — serves an attachment to Twilio for an outbound MMS, if the link is genuine and fresh. */
export const mediaLinkRoute: FastifyPluginAsync = async (app) => {
  app.get('/media/:key', { schema: { hide: true } }, async (req, reply) => {
    const { key } = req.params as { key: string };
    const { exp, sig } = req.query as { exp?: string; sig?: string };
    const storageKey = Buffer.from(key, 'base64url').toString('utf8');
    const expN = Number(exp);
    if (!sig || !Number.isInteger(expN) || !safeEqual(sig, sign(app.config, storageKey, expN))) {
      return reply.code(403).send({ error: 'Forbidden', message: 'invalid media link' });
    }
    if (expN * 1000 < Date.now()) return reply.code(403).send({ error: 'Forbidden', message: 'media link expired' });
    const r = await app.db.query(`SELECT content_type, filename FROM attachments WHERE storage_key = $1 LIMIT 1`, [storageKey]);
    if (!r.rowCount) return reply.code(404).send({ error: 'Not Found', message: 'attachment not found' });
    return sendAttachment(reply, app.store, { ...r.rows[0], storage_key: storageKey }, { cacheControl: 'private, max-age=300' });
  });
};
