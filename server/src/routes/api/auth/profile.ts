import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { ErrorView } from '../../../schemas/common.js';
import { AGENT_NOTICE_KINDS } from '../../../contracts/vocabulary.js';

const Prefs = Type.Object(
  {
    /** a sound when a case is offered (unset: on) */
    offerSound: Type.Optional(Type.Boolean()),
    /** which kinds of bell notices I get at all (unset: on); notifications/agent-notices.ts applies it */
    kinds: Type.Optional(Type.Object(Object.fromEntries(AGENT_NOTICE_KINDS.map((k) => [k, Type.Optional(Type.Boolean())])), { additionalProperties: false })),
    /** also show new notices as browser notifications (the browser asks for permission; unset: off) */
    browser: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ProfileView = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  language: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  notificationPrefs: Prefs,
});
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
          notificationPrefs: Type.Optional(Prefs),
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
