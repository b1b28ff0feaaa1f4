import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionToken } from '../../../plugins/auth.js';
import { sha256 } from '../../../lib/tokens.js';
import { SessionView } from '../../../contracts/views.js';

/**
 * GET /api/v1/workspace/session — whether the browser holds a live session, answered with 200 either
 * way so the workspace can check on start without provoking an error, plus when the session ends.
 */
const session: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/workspace/session', { schema: { tags: ['auth'], summary: 'The signed-in agent and session expiry, or agent null', response: { 200: SessionView } } }, async (req) => {
    const token = sessionToken(req);
    if (!token) return { agent: null, expiresAt: null };
    const r = await app.db.query(
      `SELECT a.id, a.email, a.name, a.role, a.language, a.skills, a.capacity, a.presence, s.expires_at
         FROM sessions s JOIN agents a ON a.id = s.agent_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND a.active`,
      [sha256(token)],
    );
    const row = r.rows[0];
    if (!row) return { agent: null, expiresAt: null };
    const { expires_at: expiresAt, ...agent } = row;
    return { agent, expiresAt: new Date(expiresAt).toISOString() };
  });
};

export default session;
