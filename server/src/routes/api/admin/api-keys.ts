import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { newToken, sha256 } from '../../../lib/tokens.js';
import { notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { ApiKeyCreated, ApiKeyView, AuditEntryView, OkView } from '../../../contracts/admin.js';

const apiKeys: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key for POST /api/v1/inbound; the key is shown once',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 201: ApiKeyCreated },
      },
    },
    async (req, reply) => {
      const key = newToken('chk_');
      const r = await app.db.query(`INSERT INTO api_keys (name, key_hash, created_by) VALUES ($1, $2, $3) RETURNING id`, [req.body.name, sha256(key), req.agent!.id]);
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'api_key', entityId: r.rows[0].id, after: { name: req.body.name }, ip: req.ip });
      return reply.code(201).send({ id: r.rows[0].id, name: req.body.name, key });
    },
  );

  app.get(
    '/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'API keys (never the key itself: it is shown once, when created)',
        response: {
          200: Type.Array(ApiKeyView),
        },
      },
    },
    async () =>
      (await app.db.query(
        `SELECT k.id, k.name, a.name AS "createdBy", k.created_at AS "createdAt", k.revoked_at AS "revokedAt"
           FROM api_keys k LEFT JOIN agents a ON a.id = k.created_by ORDER BY k.revoked_at IS NOT NULL, k.id DESC`,
      )).rows,
  );

  app.delete('/api-keys/:id', { schema: { tags: ['admin'], summary: 'Revoke an API key', params: IdParams, response: { 200: OkView, 404: ErrorView } } }, async (req) => {
    const r = await app.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [req.params.id]);
    if (!r.rowCount) throw notFound('api key');
    await audit(app.db, { actorId: req.agent!.id, action: 'revoke', entity: 'api_key', entityId: req.params.id, ip: req.ip });
    return { ok: true as const };
  });

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit log, newest first: who changed what, when, before and after (secrets redacted)',
        querystring: Type.Object({
          entity: Type.Optional(Type.String({ maxLength: 50 })),
          entityId: Type.Optional(Type.String({ maxLength: 50 })),
          actorId: Type.Optional(Type.Integer({ minimum: 1 })),
          action: Type.Optional(Type.String({ maxLength: 100 })),
          since: Type.Optional(Type.String({ format: 'date-time' })),
          until: Type.Optional(Type.String({ format: 'date-time' })),
          /** the next page: entries older than this id */
          beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        }),
        response: { 200: Type.Array(AuditEntryView) },
      },
    },
    async (req) => {
      const q = req.query;
      const r = await app.db.query(
        `SELECT l.id, l.actor_id AS "actorId", a.name AS "actorName", l.action, l.entity, l.entity_id AS "entityId", l.before, l.after, l.ip, l.created_at AS "createdAt"
           FROM audit_log l LEFT JOIN agents a ON a.id = l.actor_id
          WHERE ($1::text IS NULL OR l.entity = $1) AND ($2::text IS NULL OR l.entity_id = $2) AND ($3::bigint IS NULL OR l.actor_id = $3)
            AND ($4::text IS NULL OR l.action ILIKE '%' || $4 || '%') AND ($5::timestamptz IS NULL OR l.created_at >= $5)
            AND ($6::timestamptz IS NULL OR l.created_at < $6) AND ($7::bigint IS NULL OR l.id < $7)
          ORDER BY l.id DESC LIMIT $8`,
        [q.entity ?? null, q.entityId ?? null, q.actorId ?? null, q.action ?? null, q.since ?? null, q.until ?? null, q.beforeId ?? null, q.limit ?? 100],
      );
      return r.rows;
    },
  );
};

export default apiKeys;
