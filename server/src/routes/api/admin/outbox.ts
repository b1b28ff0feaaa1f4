import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listOutbox } from '../../../outbound/demo-outbox.js';
import { OutboxPage } from '../../../contracts/admin.js';

/** /api/v1/admin/outbox — demo mode's sent mail and SMS (replies no SMTP server or Twilio account could send). */
const outbox: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin', 'supervisor'));
  app.get(
    '/outbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'Demo outbox: email and SMS replies kept locally because no sender is configured (newest first)',
        querystring: Type.Object({ before: Type.Optional(Type.Integer({ minimum: 1 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        response: { 200: OutboxPage },
      },
    },
    async (req) => ({ enabled: app.config.demoOutbox, entries: await listOutbox(app.db, { limit: req.query.limit ?? 50, beforeId: req.query.before }) }),
  );
};
export default outbox;
