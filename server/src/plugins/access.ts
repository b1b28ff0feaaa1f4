import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { agentForToken } from '../auth/sessions.js';
import { ROUTE_RULES, STAFF_API_PREFIX, type Ref, type RouteRule } from '../access/routes.js';
import { checkCall, checkCase, checkCustomer, checkRecording, hasRole, type Verdict } from '../access/policy.js';
import { sessionToken } from './auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The access rule this route was given (from access/routes.ts), for tests and diagnostics. */
    accessRule?: RouteRule | null;
  }
}

export const ruleKey = (method: string, url: string) => `${method === 'HEAD' ? 'GET' : method} ${url}`;

/** An id as the client wrote it (params and query are still strings before validation). */
function rawRef(req: FastifyRequest, ref: Ref): string | undefined {
  const src = (ref.in === 'params' ? req.params : ref.in === 'query' ? req.query : req.body) as Record<string, unknown> | undefined;
  const v = src?.[ref.key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
const asId = (raw: string | undefined) => (raw && /^[1-9][0-9]{0,15}$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : null);

/**
 * Applies the rule table to every staff API route in one hook that runs before validation:
 * sign-in (401), role (403), then the case/customer/call the request names (404 when the caller may not
 * read it, 403 when they may read but not change it). A malformed id is left to validation (400).
 */
export default fp(
  async (app) => {
    const deny = (reply: FastifyReply, v: Exclude<Verdict, { ok: true }>) =>
      reply.code(v.status).send({ error: v.status === 404 ? 'Not Found' : 'Forbidden', message: v.message });

    const enforce = (rule: RouteRule | null) =>
      async function access(req: FastifyRequest, reply: FastifyReply) {
        if (rule && 'public' in rule) return;
        if (!req.agent) {
          const token = sessionToken(req);
          req.agent = token ? await agentForToken(app.db, token) : null;
        }
        const me = req.agent;
        if (!me) return reply.code(401).send({ error: 'Unauthorized', message: 'sign in required (session missing or expired)' });
        if (!rule) return reply.code(403).send({ error: 'Forbidden', message: 'this route has no access rule; refused until one is declared' });
        if (!hasRole(me, rule.role)) return reply.code(403).send({ error: 'Forbidden', message: `requires role ${rule.role === 'admin' ? 'admin' : 'supervisor or admin'}` });
        const mode = app.config.agentCaseAccess;
        let v: Verdict = { ok: true };
        if (rule.case) {
          const caseId = asId(rawRef(req, rule.case.ref));
          if (caseId) v = await checkCase(app.db, me, mode, caseId, rule.case.need);
        } else if (rule.customer) {
          const customerId = asId(rawRef(req, rule.customer));
          if (customerId) v = await checkCustomer(app.db, me, mode, customerId);
        } else if (rule.call) {
          const callId = asId(rawRef(req, rule.call));
          if (callId) v = await checkCall(app.db, me, mode, callId);
        } else if (rule.recording) {
          const sid = rawRef(req, rule.recording);
          if (sid && /^RE[0-9a-fA-F]{32}$/.test(sid)) v = await checkRecording(app.db, me, mode, sid);
        }
        if (!v.ok) return deny(reply, v);
      };

    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith(STAFF_API_PREFIX)) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const rule = ROUTE_RULES[ruleKey(methods[0], route.url)] ?? null;
      if (!rule) app.log.error({ route: ruleKey(methods[0], route.url) }, 'staff API route has no access rule in access/routes.ts; it refuses every caller');
      route.config = { ...(route.config ?? {}), accessRule: rule } as typeof route.config;
      const existing = route.preValidation ? (Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]) : [];
      route.preValidation = [enforce(rule), ...existing];
    });
  },
  { name: 'access', dependencies: ['core', 'auth'] },
);
