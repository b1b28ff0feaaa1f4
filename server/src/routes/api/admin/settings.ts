import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest } from '../../../lib/errors.js';
import { ErrorView } from '../../../schemas/common.js';
import { validTimeZone } from '../../../setup/first-run.js';

const Lang = Type.Union([Type.Literal('en'), Type.Literal('fa')]);
const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
const Widget = Type.Object(
  {
    language: Type.Optional(Lang),
    prechat: Type.Optional(Type.Union([Type.Literal('optional'), Type.Literal('required'), Type.Literal('off')])),
    title: Type.Optional(Type.String({ maxLength: 100 })),
    colour: Type.Optional(Colour),
  },
  { additionalProperties: false },
);
const Branding = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })), colour: Type.Optional(Colour), logoUrl: Type.Optional(Type.String({ maxLength: 2000, pattern: '^(https?://|/)' })) },
  { additionalProperties: false },
);
const SettingsBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  defaultLanguage: Lang,
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  widget: Type.Optional(Widget),
  branding: Type.Optional(Branding),
});
const SettingsView = Type.Object({
  name: Type.String(),
  defaultLanguage: Lang,
  timeZone: Type.String(),
  widget: Widget,
  branding: Branding,
  setUpAt: Type.Union([Type.String(), Type.Null()]),
  /** what the admin screens build pasteable URLs from (webhooks, widget snippet) */
  publicUrl: Type.String(),
});

const SELECT = `SELECT name, default_language AS "defaultLanguage", time_zone AS "timeZone", widget, branding, set_up_at AS "setUpAt" FROM organisation_settings WHERE id`;

/** /api/v1/admin/settings — the organisation: name, default language, time zone, chat widget options, portal branding. */
const settings: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));
  const view = async () => ({ ...(await app.db.query(SELECT)).rows[0], publicUrl: app.config.publicUrl });

  app.get('/settings', { schema: { tags: ['admin'], summary: 'Organisation settings', response: { 200: SettingsView } } }, view);

  app.put(
    '/settings',
    { schema: { tags: ['admin'], summary: 'Change the organisation settings', body: SettingsBody, response: { 200: SettingsView, 400: ErrorView } } },
    async (req) => {
      const b = req.body;
      if (!validTimeZone(b.timeZone)) throw badRequest(`unknown time zone "${b.timeZone}"`, [{ field: 'timeZone', reason: 'unknown time zone' }]);
      const before = await view();
      await app.db.query(
        `UPDATE organisation_settings SET name = $1, default_language = $2, time_zone = $3, widget = COALESCE($4, widget), branding = COALESCE($5, branding),
                set_up_at = COALESCE(set_up_at, now()), updated_at = now() WHERE id`,
        [b.name.trim(), b.defaultLanguage, b.timeZone, b.widget ? JSON.stringify(b.widget) : null, b.branding ? JSON.stringify(b.branding) : null],
      );
      const after = await view();
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'organisation', entityId: 1, before, after, ip: req.ip });
      return after;
    },
  );
};

export default settings;
