import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { verifyPassword } from '../../../auth/passwords.js';
import { createSession } from '../../../auth/sessions.js';
import { SESSION_COOKIE, sessionToken } from '../../../plugins/auth.js';
import { audit } from '../../../audit/audit-log.js';
import { AgentView, ErrorView } from '../../../schemas/common.js';
import { createLoginLimits } from '../../../auth/login-limits.js';
import { LoginRefusalView, refuseLogin } from '../../../auth/login-refusal.js';
import { FORGOT_ANSWER, requestPasswordReset } from '../../../auth/password-reset.js';
import { WindowLimiter } from '../../../limits/window-limiter.js';
import { HttpError } from '../../../lib/errors.js';

const auth: FastifyPluginAsyncTypebox = async (app) => {
  const limits = createLoginLimits({ redis: app.redis, prefix: app.config.queuePrefix, config: app.config, log: app.log });
  app.post(
    '/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets an HTTP-only session cookie and returns a bearer token',
        body: Type.Object({ email: Type.String({ format: 'email', maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String(), agent: AgentView }), 401: ErrorView, 429: LoginRefusalView },
      },
    },
    async (req, reply) => {
      const email = req.body.email.toLowerCase();
      const gate = await limits.attempt(req.ip, email);
      if (!gate.ok) return refuseLogin(reply, gate);
      const r = await app.db.query(
        `SELECT id, email, name, role, language, skills, capacity, presence, password_hash FROM agents WHERE email = $1 AND active`,
        [email],
      );
      const row = r.rows[0];
      if (!(await verifyPassword(row?.password_hash ?? null, req.body.password))) {
        const locked = await limits.failed(req.ip, email);
        await audit(app.db, { actorId: row?.id ?? null, action: locked ? 'login_locked' : 'login_failed', entity: 'agent', entityId: row?.id, after: { email }, ip: req.ip });
        return reply.code(401).send({ error: 'Unauthorized', message: 'email or password is wrong' });
      }
      await limits.succeeded(email);
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

  // Per client address by the rate-limit plugin; per email address here (a flood of links to one inbox).
  const perAddress = new WindowLimiter(app.redis, app.config.queuePrefix, app.log);
  app.post(
    '/forgot-password',
    {
      config: { rateLimit: { max: 5, timeWindow: 15 * 60_000 } },
      schema: {
        tags: ['auth'],
        summary: 'Forgot my password: mails a one-time link to choose a new one (the answer is the same whether or not the address has an account)',
        body: Type.Object({ email: Type.String({ format: 'email', maxLength: 200 }) }),
        response: { 202: Type.Object({ ok: Type.Literal(true), message: Type.String() }), 400: ErrorView, 429: ErrorView, 503: ErrorView },
      },
    },
    async (req, reply) => {
      if (!app.config.smtp.url) throw new HttpError(503, 'system mail is not configured, so no link can be sent; ask an administrator to reset your password');
      const email = req.body.email.trim().toLowerCase();
      await requestPasswordReset(app.db, app.config, {
        email,
        ip: req.ip,
        log: req.log,
        allowed: async () => (await perAddress.consume('forgot-password', email, { max: 3, windowMs: 3_600_000 })).ok,
      });
      return reply.code(202).send({ ok: true as const, message: FORGOT_ANSWER });
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
