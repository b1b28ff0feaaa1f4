import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest, conflict, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { BreakReason, BreakReasonBody, Disposition, DispositionBody } from '../../../contracts/agent-states.js';
import { DISPOSITION_SELECT } from '../../../cases/disposition.js';

const BREAK_SELECT = `SELECT id, name_en AS "nameEn", name_fa AS "nameFa", active, position FROM break_reasons`;

/** Postgres' unique violation: a disposition code already used in that queue (or globally). */
const isDuplicate = (err: unknown) => (err as { code?: string }).code === '23505';

/**
 * /api/v1/admin/break-reasons and /api/v1/admin/dispositions: what an Away agent can name as the reason,
 * and the wrap-up codes agents give cases (global or per queue). Retired by `active: false`, never deleted:
 * the presence log and past cases keep pointing at them.
 */
const agentStates: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/break-reasons', { schema: { tags: ['admin'], summary: 'Break reasons (Away)', response: { 200: Type.Array(BreakReason) } } }, async () => {
    return (await app.db.query(`${BREAK_SELECT} ORDER BY position, id`)).rows;
  });

  app.post('/break-reasons', { schema: { tags: ['admin'], summary: 'Add a break reason', body: BreakReasonBody, response: { 201: BreakReason } } }, async (req, reply) => {
    const b = req.body;
    const r = await app.db.query(`INSERT INTO break_reasons (name_en, name_fa, active, position) VALUES ($1, $2, $3, $4) RETURNING id`, [b.nameEn, b.nameFa, b.active ?? true, b.position ?? 0]);
    const after = (await app.db.query(`${BREAK_SELECT} WHERE id = $1`, [r.rows[0].id])).rows[0];
    await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'break_reason', entityId: after.id, after, ip: req.ip });
    return reply.code(201).send(after);
  });

  app.patch(
    '/break-reasons/:id',
    { schema: { tags: ['admin'], summary: 'Rename, reorder, retire or bring back a break reason', params: IdParams, body: Type.Partial(BreakReasonBody), response: { 200: BreakReason, 404: ErrorView } } },
    async (req) => {
      const before = (await app.db.query(`${BREAK_SELECT} WHERE id = $1`, [req.params.id])).rows[0];
      if (!before) throw notFound('break reason');
      const b = req.body;
      await app.db.query(
        `UPDATE break_reasons SET name_en = COALESCE($2, name_en), name_fa = COALESCE($3, name_fa), active = COALESCE($4, active), position = COALESCE($5, position), updated_at = now() WHERE id = $1`,
        [req.params.id, b.nameEn ?? null, b.nameFa ?? null, b.active ?? null, b.position ?? null],
      );
      const after = (await app.db.query(`${BREAK_SELECT} WHERE id = $1`, [req.params.id])).rows[0];
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'break_reason', entityId: req.params.id, before, after, ip: req.ip });
      return after;
    },
  );

  app.get('/dispositions', { schema: { tags: ['admin'], summary: 'Dispositions (wrap-up codes), global and per queue', response: { 200: Type.Array(Disposition) } } }, async () => {
    return (await app.db.query(`${DISPOSITION_SELECT} ORDER BY d.queue_id NULLS FIRST, d.code, d.id`)).rows;
  });

  const checkQueue = async (queueId: number | null | undefined) => {
    if (queueId && !(await app.db.query(`SELECT 1 FROM queues WHERE id = $1`, [queueId])).rowCount) throw badRequest('unknown queue', [{ field: 'queueId', reason: 'unknown queue' }]);
  };

  app.post(
    '/dispositions',
    { schema: { tags: ['admin'], summary: 'Add a disposition', body: DispositionBody, response: { 201: Disposition, 400: ErrorView, 409: ErrorView } } },
    async (req, reply) => {
      const b = req.body;
      await checkQueue(b.queueId);
      const r = await app.db
        .query(`INSERT INTO dispositions (code, label_en, label_fa, queue_id, active) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [b.code, b.labelEn, b.labelFa, b.queueId ?? null, b.active ?? true])
        .catch((err) => {
          throw isDuplicate(err) ? conflict(`disposition "${b.code}" already exists there`) : err;
        });
      const after = (await app.db.query(`${DISPOSITION_SELECT} WHERE d.id = $1`, [r.rows[0].id])).rows[0];
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'disposition', entityId: after.id, after, ip: req.ip });
      return reply.code(201).send(after);
    },
  );

  app.patch(
    '/dispositions/:id',
    {
      schema: { tags: ['admin'], summary: 'Change, retire or bring back a disposition', params: IdParams, body: Type.Partial(DispositionBody), response: { 200: Disposition, 400: ErrorView, 404: ErrorView, 409: ErrorView } },
    },
    async (req) => {
      const before = (await app.db.query(`${DISPOSITION_SELECT} WHERE d.id = $1`, [req.params.id])).rows[0];
      if (!before) throw notFound('disposition');
      const b = req.body;
      await checkQueue(b.queueId);
      await app.db
        .query(
          `UPDATE dispositions SET code = COALESCE($2, code), label_en = COALESCE($3, label_en), label_fa = COALESCE($4, label_fa),
                  queue_id = CASE WHEN $5::boolean THEN $6 ELSE queue_id END, active = COALESCE($7, active), updated_at = now()
            WHERE id = $1`,
          [req.params.id, b.code ?? null, b.labelEn ?? null, b.labelFa ?? null, b.queueId !== undefined, b.queueId ?? null, b.active ?? null],
        )
        .catch((err) => {
          throw isDuplicate(err) ? conflict(`disposition "${b.code ?? before.code}" already exists there`) : err;
        });
      const after = (await app.db.query(`${DISPOSITION_SELECT} WHERE d.id = $1`, [req.params.id])).rows[0];
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'disposition', entityId: req.params.id, before, after, ip: req.ip });
      return after;
    },
  );
};

export default agentStates;
