import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { conflict, forbidden, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { audit } from '../../../audit/audit-log.js';
import { CannedResponse } from '../../../contracts/views.js';
import { OkView } from '../../../contracts/admin.js';

const View = `id, shortcut, title, body, language, owner_agent_id AS "ownerAgentId"`;

/** Canned responses: shared ones (managed by supervisors) and an agent's own. */
const cannedResponses: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/canned-responses',
    { schema: { tags: ['canned-responses'], summary: 'Shared and own canned responses', querystring: Type.Object({ language: Type.Optional(Type.String({ maxLength: 10 })) }), response: { 200: Type.Object({ items: Type.Array(CannedResponse) }) } } },
    async (req) => {
      const r = await app.db.query(
        `SELECT ${View} FROM canned_responses WHERE (owner_agent_id IS NULL OR owner_agent_id = $1) AND ($2::text IS NULL OR language = $2)
          ORDER BY shortcut, language`,
        [req.agent!.id, req.query.language ?? null],
      );
      return { items: r.rows };
    },
  );

  app.post(
    '/canned-responses',
    {
      schema: {
        tags: ['canned-responses'],
        summary: 'Create one; placeholders {{customer.name}}, {{case.ref}}, {{agent.name}}',
        body: Type.Object({
          shortcut: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
          title: Type.String({ minLength: 1, maxLength: 200 }),
          body: Type.String({ minLength: 1, maxLength: 20_000 }),
          language: Type.Optional(Type.String({ enum: ['en', 'fa'] })),
          shared: Type.Optional(Type.Boolean()),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.shared && req.agent!.role === 'agent') throw forbidden('only supervisors create shared canned responses');
      try {
        const r = await app.db.query(
          `INSERT INTO canned_responses (shortcut, title, body, language, owner_agent_id) VALUES ($1, $2, $3, $4, $5) RETURNING ${View}`,
          [b.shortcut, b.title, b.body, b.language ?? 'en', b.shared ? null : req.agent!.id],
        );
        await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'canned_response', entityId: r.rows[0].id, after: r.rows[0], ip: req.ip });
        return reply.code(201).send(r.rows[0]);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw conflict(`/${b.shortcut} already exists`);
        throw err;
      }
    },
  );

  app.delete('/canned-responses/:id', { schema: { tags: ['canned-responses'], params: IdParams, response: { 200: OkView, 403: ErrorView, 404: ErrorView } } }, async (req) => {
    const r = await app.db.query(`SELECT owner_agent_id, shortcut, title, body, language FROM canned_responses WHERE id = $1`, [req.params.id]);
    if (!r.rowCount) throw notFound('canned response');
    const owner = r.rows[0].owner_agent_id;
    if (owner ? owner !== req.agent!.id : req.agent!.role === 'agent') throw forbidden('not yours to delete');
    await app.db.query(`DELETE FROM canned_responses WHERE id = $1`, [req.params.id]);
    await audit(app.db, { actorId: req.agent!.id, action: 'delete', entity: 'canned_response', entityId: req.params.id, before: r.rows[0], ip: req.ip });
    return { ok: true as const };
  });
};

export default cannedResponses;
