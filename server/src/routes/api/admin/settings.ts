import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest } from '../../../lib/errors.js';
import { ErrorView } from '../../../schemas/common.js';
import { validTimeZone } from '../../../lib/time-zone.js';
import { BrandingT, LangT, SettingsView, WidgetSettingsT } from '../../../contracts/admin.js';

const SettingsBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  defaultLanguage: LangT,
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  widget: Type.Optional(WidgetSettingsT),
  branding: Type.Optional(BrandingT),
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
