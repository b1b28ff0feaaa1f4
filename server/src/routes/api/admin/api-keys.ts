import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { newToken, sha256 } from '../../../lib/tokens.js';
import { notFound } from '../../../lib/errors.js';
import { IdParams } from '../../../schemas/common.js';

const apiKeys: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key for POST /api/v1/inbound; the key is shown once',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 201: Type.Object({ id: Type.Integer(), name: Type.String(), key: Type.String() }) },
      },
    },
    async (req, reply) => {
      const key = newToken('chk_');
      const r = await app.db.query(`INSERT INTO api_keys (name, key_hash, created_by) VALUES ($1, $2, $3) RETURNING id`, [req.body.name, sha256(key), req.agent!.id]);
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'api_key', entityId: r.rows[0].id, after: { name: req.body.name }, ip: req.ip });
      return reply.code(201).send({ id: r.rows[0].id, name: req.body.name, key });
    },
  );

  app.delete('/api-keys/:id', { schema: { tags: ['admin'], summary: 'Revoke an API key', params: IdParams } }, async (req) => {
    const r = await app.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [req.params.id]);
    if (!r.rowCount) throw notFound('api key');
    await audit(app.db, { actorId: req.agent!.id, action: 'revoke', entity: 'api_key', entityId: req.params.id, ip: req.ip });
    return { ok: true };
  });

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit log, newest first',
        querystring: Type.Object({ entity: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
      },
    },
    async (req) => {
      const r = await app.db.query(
        `SELECT id, actor_id AS "actorId", action, entity, entity_id AS "entityId", before, after, ip, created_at AS "createdAt"
           FROM audit_log WHERE ($1::text IS NULL OR entity = $1) ORDER BY id DESC LIMIT $2`,
        [req.query.entity ?? null, req.query.limit ?? 100],
      );
      return r.rows;
    },
  );
};

export default apiKeys;
