import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listAgentNotices } from '../../../notifications/agent-notices.js';
import { IdParams } from '../../../schemas/common.js';
import { Notification } from '../../../contracts/views.js';

/** The signed-in agent's bell (notifications/agent-notices.ts): mentions, SLA, reminders, reassignments, rule notices. */
const notifications: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get('/notifications', { schema: { tags: ['notifications'], summary: 'Latest notifications, unread first', response: { 200: Type.Object({ items: Type.Array(Notification) }) } } }, async (req) => {
    return { items: await listAgentNotices(app.db, req.agent!.id) };
  });

  app.post('/notifications/:id/read', { schema: { tags: ['notifications'], params: IdParams } }, async (req) => {
    await app.db.query(`UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND agent_id = $2`, [req.params.id, req.agent!.id]);
    return { ok: true };
  });

  app.post('/notifications/read-all', { schema: { tags: ['notifications'], body: Type.Optional(Type.Object({})) } }, async (req) => {
    await app.db.query(`UPDATE notifications SET read_at = now() WHERE agent_id = $1 AND read_at IS NULL`, [req.agent!.id]);
    return { ok: true };
  });
};

export default notifications;
