import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { ErrorView } from '../../../schemas/common.js';
import { CustomerNoticeEventT } from '../../../contracts/vocabulary.js';
import { CustomerNoticesView, LangT, NoticeEventsT, NoticePreview } from '../../../contracts/admin.js';
import {
  DEFAULT_NOTICE_TEMPLATES, NOTICE_PLACEHOLDERS, listNoticeTemplates, noticeSettings, renderNotice, sampleVars,
} from '../../../customer-messages/notice-templates.js';

const TemplateBody = Type.Object({
  subject: Type.String({ minLength: 1, maxLength: 300 }),
  body: Type.String({ minLength: 1, maxLength: 5000 }),
  sms: Type.String({ minLength: 1, maxLength: 480 }),
});
const Key = Type.Object({ event: CustomerNoticeEventT, language: LangT });

/** /api/v1/admin/customer-notices — what the hub tells customers on its own: templates per event and language, on/off, auto-close. */
const customerNotices: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));
  const view = async () => {
    const s = await noticeSettings(app.db);
    return { events: s.events, autoCloseDays: s.autoCloseDays, placeholders: [...NOTICE_PLACEHOLDERS], templates: await listNoticeTemplates(app.db) };
  };

  app.get('/customer-notices', { schema: { tags: ['admin'], summary: 'Customer notification templates and settings', response: { 200: CustomerNoticesView } } }, view);

  app.put(
    '/customer-notices/settings',
    {
      schema: {
        tags: ['admin'], summary: 'Turn notices on or off and set the auto-close delay (days, 0 = never)',
        body: Type.Object({ events: NoticeEventsT, autoCloseDays: Type.Integer({ minimum: 0, maximum: 365 }) }),
        response: { 200: CustomerNoticesView, 400: ErrorView },
      },
    },
    async (req) => {
      const before = await noticeSettings(app.db);
      await app.db.query(`UPDATE organisation_settings SET notice_events = $1, auto_close_days = $2, updated_at = now() WHERE id`, [JSON.stringify(req.body.events), req.body.autoCloseDays]);
      await audit(app.db, { actorId: req.agent!.id, action: 'customer_notices.settings', entity: 'organisation', entityId: null, before, after: req.body, ip: req.ip });
      return view();
    },
  );

  app.put(
    '/customer-notices/templates/:event/:language',
    { schema: { tags: ['admin'], summary: 'Replace one template (event × language)', params: Key, body: TemplateBody, response: { 200: CustomerNoticesView, 400: ErrorView } } },
    async (req) => {
      const { event, language } = req.params;
      const b = req.body;
      await app.db.query(
        `INSERT INTO notice_templates (event, language, subject, body, sms, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (event, language) DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, sms = EXCLUDED.sms, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [event, language, b.subject.trim(), b.body.trim(), b.sms.trim(), req.agent!.id],
      );
      await audit(app.db, { actorId: req.agent!.id, action: 'customer_notices.template', entity: 'notice_template', entityId: `${event}:${language}`, before: null, after: b, ip: req.ip });
      return view();
    },
  );

  app.delete(
    '/customer-notices/templates/:event/:language',
    { schema: { tags: ['admin'], summary: 'Go back to the shipped template', params: Key, response: { 200: CustomerNoticesView } } },
    async (req) => {
      await app.db.query(`DELETE FROM notice_templates WHERE event = $1 AND language = $2`, [req.params.event, req.params.language]);
      await audit(app.db, { actorId: req.agent!.id, action: 'customer_notices.template_reset', entity: 'notice_template', entityId: `${req.params.event}:${req.params.language}`, before: null, after: null, ip: req.ip });
      return view();
    },
  );

  app.post(
    '/customer-notices/preview',
    {
      schema: {
        tags: ['admin'], summary: 'Render a template (saved or being edited) with sample values',
        body: Type.Intersect([Key, Type.Partial(TemplateBody)]),
        response: { 200: NoticePreview },
      },
    },
    async (req) => {
      const { event, language } = req.body;
      const base = DEFAULT_NOTICE_TEMPLATES[event][language];
      const t = { subject: req.body.subject ?? base.subject, body: req.body.body ?? base.body, sms: req.body.sms ?? base.sms };
      return renderNotice(t, sampleVars(language, app.config.publicUrl, await noticeSettings(app.db)));
    },
  );
};

export default customerNotices;
