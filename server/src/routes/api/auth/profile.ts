import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { ErrorView } from '../../../schemas/common.js';
import { NotificationPrefsT, ProfileView } from '../../../contracts/admin.js';

const COLS = `id, email, name, role, language, phone, notification_prefs AS "notificationPrefs"`;

/** /api/v1/auth/profile — what every staff member changes about themselves (not role, skills or queues). */
const profile: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/profile', { preHandler: app.authenticate, schema: { tags: ['auth'], summary: 'My profile', response: { 200: ProfileView, 401: ErrorView } } }, async (req) => {
    return (await app.db.query(`SELECT ${COLS} FROM agents WHERE id = $1`, [req.agent!.id])).rows[0];
  });

  app.patch(
    '/profile',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'Change my name, language, phone for calls (E.164, null removes it) or notification preferences',
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('fa')])),
          phone: Type.Optional(Type.Union([Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' }), Type.Null()])),
          notificationPrefs: Type.Optional(NotificationPrefsT),
        }),
        response: { 200: ProfileView, 400: ErrorView },
      },
    },
    async (req) => {
      const b = req.body;
      const before = (await app.db.query(`SELECT ${COLS} FROM agents WHERE id = $1`, [req.agent!.id])).rows[0];
      const r = await app.db.query(
        `UPDATE agents SET name = COALESCE($2, name), language = COALESCE($3, language), phone = CASE WHEN $4::boolean THEN $5 ELSE phone END,
                notification_prefs = COALESCE($6::jsonb, notification_prefs), updated_at = now() WHERE id = $1 RETURNING ${COLS}`,
        [req.agent!.id, b.name?.trim() ?? null, b.language ?? null, b.phone !== undefined, b.phone ?? null, b.notificationPrefs ? JSON.stringify(b.notificationPrefs) : null],
      );
      await audit(app.db, { actorId: req.agent!.id, action: 'profile.update', entity: 'agent', entityId: req.agent!.id, before, after: r.rows[0], ip: req.ip });
      return r.rows[0];
    },
  );
};

export default profile;
