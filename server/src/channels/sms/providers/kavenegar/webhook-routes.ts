import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidIdentityError, normaliseIdentity } from '../../../../ingest/identity.js';
import { badRequest } from '../../../../lib/errors.js';
import { bestEffort } from '../../../../lib/best-effort.js';
import { beginAttempt, finishAttempt, wasAccepted } from '../../../../outbound/attempts.js';
import { recordCallback } from '../../../twilio/raw-event.js';
import { receiveSms } from '../../inbound.js';
import { smsLineByProviderAddress } from '../../lines.js';
import { applyDeliveryStatus } from '../../delivery-status.js';
import { kavenegarFailure, mapKavenegarStatus } from './status.js';
import { sendKavenegarSystemSms } from './send.js';

/** Constant-time in the secret: both sides are hashed first, so neither the content nor the length leaks. */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Kavenegar calls back with GET query parameters or a form POST, as configured in its panel: read both. */
function params(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of [req.query, req.body]) {
    if (!src || typeof src !== 'object' || Buffer.isBuffer(src)) continue;
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) out[k.toLowerCase()] = Array.isArray(v) ? String(v[v.length - 1]) : String(v ?? '');
  }
  return out;
}

/**
 * Kavenegar's callbacks: inbound messages (panel → "receive URL") and delivery reports (panel → "delivery URL").
 * Kavenegar signs nothing, so the URL carries a secret (KAVENEGAR_WEBHOOK_SECRET): a request with any other secret
 * is refused with 403 and nothing is stored.
 */
const kavenegarWebhooks: FastifyPluginAsync = async (app) => {
  const verify = async (req: FastifyRequest, reply: FastifyReply) => {
    const expected = app.config.kavenegar.webhookSecret;
    // not a passing outage a retry would outlast: nothing here takes Kavenegar callbacks
    if (!expected) return reply.code(404).send({ error: 'Not Found', message: 'Kavenegar callbacks are not configured (KAVENEGAR_WEBHOOK_SECRET is not set)' });
    const { secret } = req.params as { secret: string };
    if (!secretMatches(secret ?? '', expected)) {
      req.log.warn('rejected a Kavenegar callback with a wrong secret');
      return reply.code(403).send({ error: 'Forbidden', message: 'unknown callback secret' });
    }
  };
  // the URL holds the secret: never log it
  const url = (req: FastifyRequest) => req.url.replace(/^(\/webhooks\/kavenegar\/)[^/]+/, '$1***');

  const receive = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = params(req);
    if (!p.messageid || !p.from) throw badRequest('messageid and from are required');
    let from: string;
    try {
      // Kavenegar writes Iranian numbers nationally (09121234567)
      from = normaliseIdentity('phone', p.from, 'IR');
    } catch (err) {
      if (err instanceof InvalidIdentityError) throw badRequest(`from: ${err.message}`, [{ field: 'from', reason: 'not a phone number' }]);
      throw err;
    }
    const lineAddress = (p.to ?? '').replace(/^\+/, '');
    let toE164: string | null = null;
    try {
      toE164 = lineAddress ? normaliseIdentity('phone', lineAddress, 'IR') : null;
    } catch {
      toE164 = null;
    }
    const line = lineAddress ? await smsLineByProviderAddress(app.db, 'kavenegar', lineAddress, toE164) : null;
    const { result, reply: answer } = await receiveSms(app, {
      provider: 'kavenegar',
      providerMessageId: p.messageid,
      from,
      to: line?.e164 ?? toE164 ?? (lineAddress || undefined),
      text: p.message ?? '',
      metadata: lineAddress ? { line: lineAddress } : {},
      raw: p,
      rawHeaders: { url: url(req) },
    });
    // Kavenegar has no reply-in-response: a keyword's confirmation or the after-hours answer is sent like a system
    // message, once per inbound message
    if (answer && line && !result.duplicate) {
      await bestEffort(sendAnswer(p.messageid, from, line, answer), req.log, 'answering an SMS through Kavenegar');
    }
    return reply.code(200).send({ ok: true });
  };

  const sendAnswer = async (messageId: string, to: string, line: NonNullable<Awaited<ReturnType<typeof smsLineByProviderAddress>>>, body: string) => {
    const key = { systemKey: `kavenegar-answer-${messageId}` };
    if (await wasAccepted(app.db, key)) return;
    const attempt = await beginAttempt(app.db, key, 'sms', { to, provider: 'kavenegar' });
    if (!attempt) return;
    try {
      const r = await sendKavenegarSystemSms(app.config, { to, line, body, localId: String(attempt.id) });
      await finishAttempt(app.db, attempt.id, { outcome: 'accepted', provider: 'kavenegar', providerMessageId: r.providerMessageId });
    } catch (err) {
      await finishAttempt(app.db, attempt.id, { outcome: 'failed', error: (err as Error).message });
      throw err;
    }
  };

  const delivery = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = params(req);
    const code = Number(p.status);
    if (!p.messageid || !Number.isInteger(code)) throw badRequest('messageid and status are required');
    const fresh = await recordCallback(app.db, { provider: 'kavenegar-status', key: `${p.messageid}:${code}`, channel: 'sms', payload: p, url: url(req) });
    const status = mapKavenegarStatus(code);
    if (fresh && status) {
      await applyDeliveryStatus(app, {
        provider: 'kavenegar',
        providerMessageId: p.messageid,
        status,
        error: status === 'failed' ? kavenegarFailure(code) : null,
        meta: { kavenegarStatus: String(code) },
      });
    }
    return reply.code(200).send({ ok: true });
  };

  const opts = { onRequest: app.admitIngest, preHandler: verify, schema: { hide: true } };
  app.post('/:secret/receive', opts, receive);
  app.get('/:secret/receive', opts, receive);
  app.post('/:secret/delivery', opts, delivery);
  app.get('/:secret/delivery', opts, delivery);
};

export default kavenegarWebhooks;
