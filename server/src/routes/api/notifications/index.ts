import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toNotification } from '../../../cases/mentions.js';
import { IdParams } from '../../../schemas/common.js';
import { Notification } from '../../../contracts/views.js';

/** The signed-in agent's notifications (mentions in internal notes). */
const notifications: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get('/notifications', { schema: { tags: ['notifications'], summary: 'Latest notifications, unread first', response: { 200: Type.Object({ items: Type.Array(Notification) }) } } }, async (req) => {
    const r = await app.db.query(
      `SELECT n.*, c.number AS case_number, a.name AS actor_name FROM notifications n
         LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN agents a ON a.id = n.actor_agent_id
        WHERE n.agent_id = $1 ORDER BY n.read_at IS NULL DESC, n.created_at DESC LIMIT 50`,
      [req.agent!.id],
    );
    return { items: r.rows.map(toNotification) };
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
