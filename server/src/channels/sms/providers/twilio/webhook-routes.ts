import type { FastifyPluginAsync } from 'fastify';
import { InvalidIdentityError, normaliseIdentity } from '../../../../ingest/identity.js';
import { badRequest } from '../../../../lib/errors.js';
import { requireTwilioSignature, signedUrl, twilioParams } from '../../../twilio/signature.js';
import { MessagingResponse, sendTwiml } from '../../../twilio/twiml.js';
import { addTwilioJob, createTwilioQueue } from '../../../twilio/jobs.js';
import { recordCallback } from '../../../twilio/raw-event.js';
import { mediaLinkRoute } from '../../../twilio/media-links.js';
import { bestEffort } from '../../../../lib/best-effort.js';
import { receiveSms } from '../../inbound.js';
import { applyMessageStatus } from './status.js';

/** Twilio Messaging webhooks: inbound SMS/MMS and delivery status callbacks. */
const twilioSmsWebhooks: FastifyPluginAsync = async (app) => {
  const jobs = createTwilioQueue(app.redis, app.config.queuePrefix);
  app.addHook('onClose', async () => {
    await bestEffort(jobs.close(), app.log, 'closing the SMS twilio queue');
  });
  const verify = requireTwilioSignature(app.config);
  await app.register(mediaLinkRoute);

  app.post('/sms', { onRequest: app.admitIngest, preHandler: verify, schema: { hide: true } }, async (req, reply) => {
    const p = twilioParams(req);
    const sid = p.MessageSid || p.SmsSid;
    if (!sid || !p.From) throw badRequest('MessageSid and From are required');
    let from: string;
    try {
      from = normaliseIdentity('phone', p.From, app.config.twilio.defaultCountry);
    } catch (err) {
      if (err instanceof InvalidIdentityError) throw badRequest(`From: ${err.message}`, [{ field: 'From', reason: 'not a phone number' }]);
      throw err;
    }
    let to: string | undefined;
    try {
      to = p.To ? normaliseIdentity('phone', p.To, app.config.twilio.defaultCountry) : undefined;
    } catch {
      to = p.To;
    }
    const body = p.Body ?? '';
    const numMedia = Math.min(Number(p.NumMedia ?? 0) || 0, 10);
    const media = Array.from({ length: numMedia }, (_, i) => ({ url: p[`MediaUrl${i}`], contentType: p[`MediaContentType${i}`] ?? 'application/octet-stream' })).filter(
      (m) => !!m.url,
    );
    const { result, action, reply: answer } = await receiveSms(app, {
      provider: 'twilio',
      providerMessageId: sid,
      from,
      to,
      text: body || (media.length ? `[${media.length} media]` : ''),
      optOutType: p.OptOutType,
      metadata: {
        ...(media.length ? { media, mediaPending: true } : {}),
        ...(p.FromCity || p.FromCountry ? { fromLocation: [p.FromCity, p.FromState, p.FromCountry].filter(Boolean).join(', ') } : {}),
      },
      raw: p,
      rawHeaders: { url: signedUrl(app.config, req), signature: req.headers['x-twilio-signature'] },
    });
    if (media.length && !result.duplicate) await addTwilioJob(jobs, { kind: 'fetch-media', interactionId: result.interactionId });

    const twiml = new MessagingResponse();
    // Twilio answers the standard English keywords itself (OptOutType is set); confirm the others, and answer
    // outside business hours (receiveSms decides)
    if (answer && !(action && p.OptOutType)) twiml.message(answer);
    return sendTwiml(reply, twiml);
  });

  app.post('/status', { onRequest: app.admitIngest, preHandler: verify, schema: { hide: true } }, async (req, reply) => {
    const p = twilioParams(req);
    const sid = p.MessageSid || p.SmsSid;
    const status = (p.MessageStatus || p.SmsStatus || '').toLowerCase();
    if (!sid || !status) throw badRequest('MessageSid and MessageStatus are required');
    const fresh = await recordCallback(app.db, { provider: 'twilio-status', key: `${sid}:${status}`, channel: 'sms', payload: p, url: signedUrl(app.config, req) });
    if (fresh) await applyMessageStatus(app, sid, status, p.ErrorCode || null, p.ErrorMessage || null);
    return reply.code(204).send();
  });
};

export default twilioSmsWebhooks;
