import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { verifyPassword } from '../../../auth/passwords.js';
import { createSession } from '../../../auth/sessions.js';
import { SESSION_COOKIE, sessionToken } from '../../../plugins/auth.js';
import { audit } from '../../../audit/audit-log.js';
import { AgentView, ErrorView } from '../../../schemas/common.js';

const auth: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/login',
    {
      config: {
        rateLimit: {
          max: app.config.loginRateLimit.max,
          timeWindow: app.config.loginRateLimit.windowMs,
          // per address and per account, so one attacker cannot lock out everyone
          keyGenerator: (req: { ip: string; body?: unknown }) =>
            `login:${req.ip}:${String((req.body as { email?: string } | undefined)?.email ?? '').toLowerCase()}`,
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets an HTTP-only session cookie and returns a bearer token',
        body: Type.Object({ email: Type.String({ format: 'email', maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String(), agent: AgentView }), 401: ErrorView },
      },
    },
    async (req, reply) => {
      const email = req.body.email.toLowerCase();
      const r = await app.db.query(
        `SELECT id, email, name, role, language, skills, capacity, presence, password_hash FROM agents WHERE email = $1 AND active`,
        [email],
      );
      const row = r.rows[0];
      if (!(await verifyPassword(row?.password_hash ?? null, req.body.password))) {
        await audit(app.db, { actorId: row?.id ?? null, action: 'login_failed', entity: 'agent', entityId: row?.id, after: { email }, ip: req.ip });
        return reply.code(401).send({ error: 'Unauthorized', message: 'email or password is wrong' });
      }
      const s = await createSession(app.db, row.id, app.config.sessionTtlHours, { ip: req.ip, userAgent: req.headers['user-agent'] });
      await audit(app.db, { actorId: row.id, action: 'login', entity: 'agent', entityId: row.id, ip: req.ip });
      reply.setCookie(SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: app.config.publicUrl.startsWith('https:'),
        path: '/',
        expires: s.expiresAt,
      });
      const { password_hash: _ignored, ...agent } = row;
      return { token: s.token, expiresAt: s.expiresAt.toISOString(), agent };
    },
  );

  app.post('/logout', { schema: { tags: ['auth'], summary: "End the current session and disconnect that session's sockets" } }, async (req, reply) => {
    const token = sessionToken(req);
    if (token) await app.endStaffSessions({ token });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get(
    '/me',
    { preHandler: app.authenticate, schema: { tags: ['auth'], summary: 'The signed-in agent', response: { 200: AgentView, 401: ErrorView } } },
    async (req) => {
      const r = await app.db.query(`SELECT id, email, name, role, language, skills, capacity, presence FROM agents WHERE id = $1`, [req.agent!.id]);
      return r.rows[0];
    },
  );
};

export default auth;
