import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { originPolicy } from '../lib/origins.js';
import { SESSION_COOKIE } from './auth.js';
import { PORTAL_COOKIE } from '../channels/portal/sign-in.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
// Paths that never read a session cookie: provider webhooks (signed), the chat widget (visitor
// token header) and the one-time set-up page (token in the form).
const NO_COOKIE_AUTH = /^\/(webhooks|widget)\/|^\/setup(\?|$)/;
const UPLOAD_TYPES = new Set(['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/mpeg']);

/**
 * CSRF, in one hook: a state-changing request that a browser would authenticate with the agent's
 * or the portal customer's cookie must come from one of the hub's pages (Origin / Sec-Fetch-Site,
 * see lib/origins.ts) and carry JSON, an audio upload, or nothing. A page on another site can neither pass the
 * origin check nor send JSON cross-site without a CORS preflight, which the hub never grants with
 * credentials. Requests with Authorization or X-API-Key are not cookie-authenticated (a browser
 * cannot add those headers cross-site either) and are not affected.
 */
export default fp(
  async (app) => {
    const origins = originPolicy(app.config);
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (SAFE.has(req.method) || NO_COOKIE_AUTH.test(req.url)) return;
      if (req.headers.authorization || req.headers['x-api-key']) return;
      const cookies = req.headers.cookie;
      if (!cookies || !(cookies.includes(`${SESSION_COOKIE}=`) || cookies.includes(`${PORTAL_COOKIE}=`))) return;
      const from = origins.check(req.headers);
      if (!from.ok) return reply.code(403).send({ error: 'Forbidden', message: from.reason });
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      // JSON, or a recording uploaded as the raw body (Admin → Phone numbers → prompts): neither is a type a cross-site
      // form or a request without a CORS preflight can send
      if (hasBody && type !== 'application/json' && !UPLOAD_TYPES.has(type)) {
        return reply.code(415).send({ error: 'Unsupported Media Type', message: `requests signed in by cookie send JSON (Content-Type: application/json), not ${type || 'an untyped body'}` });
      }
    });
  },
  { name: 'csrf', dependencies: ['core'] },
);
