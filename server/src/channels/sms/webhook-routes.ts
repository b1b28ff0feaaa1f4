import type { FastifyPluginAsync } from 'fastify';
import { ingest } from '../../ingest/pipeline.js';
import { InvalidIdentityError, normaliseIdentity } from '../../ingest/identity.js';
import { badRequest } from '../../lib/errors.js';
import { requireTwilioSignature, signedUrl, twilioParams } from '../twilio/signature.js';
import { MessagingResponse, sendTwiml } from '../twilio/twiml.js';
import { cachedPhoneNumberByE164 } from '../twilio/number-cache.js';
import { addTwilioJob, createTwilioQueue } from '../twilio/jobs.js';
import { recordCallback } from '../twilio/raw-event.js';
import { keywordAction, OPT_REPLIES, setOptOut } from './opt-out.js';
import { applyMessageStatus } from './status.js';
import { mediaLinkRoute } from '../twilio/media-links.js';
import { afterHoursSmsReply } from '../../customer-messages/after-hours.js';
import { bestEffort } from '../../lib/best-effort.js';

const PERSIAN = /[\u0600-\u06FF]/;

/** Twilio Messaging webhooks: inbound SMS/MMS and delivery status callbacks. */
const smsWebhooks: FastifyPluginAsync = async (app) => {
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
    const number = to ? await cachedPhoneNumberByE164(app.db, to) : null;
    const body = p.Body ?? '';
    const action = keywordAction(body, p.OptOutType);
    const numMedia = Math.min(Number(p.NumMedia ?? 0) || 0, 10);
    const media = Array.from({ length: numMedia }, (_, i) => ({ url: p[`MediaUrl${i}`], contentType: p[`MediaContentType${i}`] ?? 'application/octet-stream' })).filter(
      (m) => !!m.url,
    );

    const result = await ingest(app.ingestDeps, {
      channel: 'sms',
      provider: 'twilio',
      providerMessageId: sid,
      from: { kind: 'phone', value: from },
      to,
      text: body || (media.length ? `[${media.length} media]` : ''),
      metadata: {
        ...(media.length ? { media, mediaPending: true } : {}),
        ...(action ? { keyword: action } : {}),
        ...(p.FromCity || p.FromCountry ? { fromLocation: [p.FromCity, p.FromState, p.FromCountry].filter(Boolean).join(', ') } : {}),
      },
      caseDefaults: { queueId: number?.queueId ?? undefined },
      customer: { language: PERSIAN.test(body) ? 'fa' : number?.defaultLanguage },
      // An opt-out/opt-in keyword is recorded on the case but does not wake an agent.
      skipRouting: action !== null,
      raw: p,
      rawHeaders: { url: signedUrl(app.config, req), signature: req.headers['x-twilio-signature'] },
    });
    app.metrics.ingested.inc({ channel: 'sms', result: result.duplicate ? 'duplicate' : 'new' });

    // Safe to repeat on a replay: both only converge on the same state.
    if (action) await setOptOut(app.db, from, action === 'opt_out');
    if (media.length && !result.duplicate) await addTwilioJob(jobs, { kind: 'fetch-media', interactionId: result.interactionId });

    const twiml = new MessagingResponse();
    // Twilio answers the standard English keywords itself (OptOutType is set); confirm the others.
    if (action && !p.OptOutType) {
      const lang = (await app.db.query(`SELECT language FROM customers WHERE id = $1`, [result.customerId])).rows[0]?.language ?? 'en';
      twiml.message(OPT_REPLIES[action][lang] ?? OPT_REPLIES[action].en!);
    } else if (!action && !result.duplicate) {
      // outside business hours: one auto-reply per conversation per closure (customer-messages/after-hours.ts)
      const lang = (await app.db.query(`SELECT language FROM customers WHERE id = $1`, [result.customerId])).rows[0]?.language ?? 'en';
      const text = await afterHoursSmsReply(app.db, {
        caseId: result.caseId, queueId: number?.queueId ?? null, language: lang, numberHours: number?.businessHours, numberMessage: number?.afterHoursMessage,
      });
      if (text) twiml.message(text);
    }
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

export default smsWebhooks;
