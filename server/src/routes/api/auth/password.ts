import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { hashPassword, verifyPassword } from '../../../auth/passwords.js';
import { audit } from '../../../audit/audit-log.js';
import { HttpError } from '../../../lib/errors.js';
import { ErrorView, PasswordT } from '../../../schemas/common.js';

/**
 * POST /api/v1/auth/password — a staff member changes their own password. The current password is
 * required (a stolen session alone cannot lock the owner out); every other session of the account
 * and its sockets end at once, this one stays signed in.
 */
const password: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/password',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Change my password (current password required); signs out my other sessions',
        body: Type.Object({
          currentPassword: Type.String({ minLength: 1, maxLength: 500 }),
          newPassword: PasswordT,
        }),
        response: { 200: Type.Object({ ok: Type.Literal(true), otherSessionsEnded: Type.Boolean() }), 400: ErrorView, 401: ErrorView, 403: ErrorView },
      },
    },
    async (req) => {
      const me = req.agent!;
      const r = await app.db.query(`SELECT password_hash FROM agents WHERE id = $1`, [me.id]);
      if (!(await verifyPassword(r.rows[0]?.password_hash ?? null, req.body.currentPassword))) {
        await audit(app.db, { actorId: me.id, action: 'password_change_failed', entity: 'agent', entityId: me.id, ip: req.ip });
        throw new HttpError(403, 'the current password is wrong', [{ field: 'currentPassword', reason: 'wrong' }]);
      }
      if (req.body.newPassword === req.body.currentPassword) {
        throw new HttpError(400, 'the new password must differ from the current one', [{ field: 'newPassword', reason: 'unchanged' }]);
      }
      await app.db.query(`UPDATE agents SET password_hash = $2, updated_at = now() WHERE id = $1`, [me.id, await hashPassword(req.body.newPassword)]);
      await app.endStaffSessions({ agentId: me.id, except: me.session!.key });
      await audit(app.db, { actorId: me.id, action: 'password_change', entity: 'agent', entityId: me.id, ip: req.ip });
      return { ok: true as const, otherSessionsEnded: true };
    },
  );
};

export default password;
