import twilio from 'twilio';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';

/** The URL Twilio requested, as Twilio saw it: PUBLIC_URL + path and query (proxies rewrite host and scheme). */
export function signedUrl(config: Config, req: FastifyRequest): string {
  return `${config.publicUrl}${req.url}`;
}

export function twilioParams(req: FastifyRequest): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) ? String(v[v.length - 1]) : String(v ?? '');
  return out;
}

/**
 * preHandler for every Twilio webhook: X-Twilio-Signature must match the account's auth token over
 * the public URL and the POSTed parameters (the official validator), otherwise 403 and nothing is stored.
 */
export function requireTwilioSignature(config: Config) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const token = config.twilio.authToken;
    if (!token) {
      return reply.code(503).send({ error: 'Service Unavailable', message: 'Twilio is not configured (TWILIO_AUTH_TOKEN is not set)' });
    }
    const signature = req.headers['x-twilio-signature'];
    if (typeof signature !== 'string' || !signature) {
      return reply.code(403).send({ error: 'Forbidden', message: 'missing X-Twilio-Signature' });
    }
    const body = req.body;
    if (body !== undefined && (typeof body !== 'object' || body === null || Buffer.isBuffer(body))) {
      return reply.code(403).send({ error: 'Forbidden', message: 'Twilio webhooks are form-encoded POSTs' });
    }
    const params = (body ?? {}) as Record<string, unknown>;
    if (!twilio.validateRequest(token, signature, signedUrl(config, req), params)) {
      req.log.warn({ url: req.url }, 'rejected Twilio webhook with an invalid signature');
      return reply.code(403).send({ error: 'Forbidden', message: 'X-Twilio-Signature does not match this URL and parameters' });
    }
  };
}
