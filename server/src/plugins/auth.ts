import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { agentForToken, type SessionAgent } from '../auth/sessions.js';
import type { AgentRole } from '../contracts/vocabulary.js';
import { safeEqual, sha256 } from '../lib/tokens.js';

export const SESSION_COOKIE = 'ch_session';

declare module 'fastify' {
  interface FastifyRequest {
    agent: SessionAgent | null;
    apiKeyId: number | null;
  }
  interface FastifyInstance {
    authenticate: preHandlerAsyncHookHandler;
    requireRole: (...roles: AgentRole[]) => preHandlerAsyncHookHandler;
    requireApiKey: preHandlerAsyncHookHandler;
  }
}

export function sessionToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  return req.cookies?.[SESSION_COOKIE] ?? null;
}

export default fp(
  async (app) => {
    app.decorateRequest('agent', null);
    app.decorateRequest('apiKeyId', null);

    const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.agent) return; // already signed in by the access rule (plugins/access.ts)
      const token = sessionToken(req);
      const agent = token ? await agentForToken(app.db, token) : null;
      if (!agent) return reply.code(401).send({ error: 'Unauthorized', message: 'sign in required (session missing or expired)' });
      req.agent = agent;
    };
    app.decorate('authenticate', authenticate);

    app.decorate('requireRole', (...roles: AgentRole[]) => async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.agent) await authenticate(req, reply);
      if (reply.sent) return;
      if (!roles.includes(req.agent!.role)) {
        return reply.code(403).send({ error: 'Forbidden', message: `requires role ${roles.join(' or ')}` });
      }
    });

    app.decorate('requireApiKey', async (req: FastifyRequest, reply: FastifyReply) => {
      const h = req.headers.authorization;
      const key = (req.headers['x-api-key'] as string | undefined) ?? (h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined);
      if (!key) return reply.code(401).send({ error: 'Unauthorized', message: 'API key required (X-API-Key header)' });
      if (app.config.inboundApiKey && safeEqual(key, app.config.inboundApiKey)) {
        req.apiKeyId = 0;
        return;
      }
      const r = await app.db.query(`SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [sha256(key)]);
      if (!r.rowCount) return reply.code(401).send({ error: 'Unauthorized', message: 'API key is not valid' });
      req.apiKeyId = r.rows[0].id;
    });
  },
  { name: 'auth', dependencies: ['core'] },
);
