import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { badRequest, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { SlaPolicyBody, SlaPolicyView } from '../../../contracts/sla.js';
import type { Queryable } from '../../../db/pool.js';
import { markOpenCasesForSla } from '../../../sla/clocks.js';

const SELECT = `SELECT id, name, position, enabled, conditions, first_response_minutes AS "firstResponseMinutes",
  next_response_minutes AS "nextResponseMinutes", resolution_minutes AS "resolutionMinutes", business_time AS "businessTime",
  warn_percent AS "warnPercent", escalation, updated_at AS "updatedAt" FROM sla_policies`;

async function problems(db: Queryable, b: SlaPolicyBody): Promise<{ field: string; reason: string }[]> {
  const out: { field: string; reason: string }[] = [];
  if (b.firstResponseMinutes == null && b.nextResponseMinutes == null && b.resolutionMinutes == null) {
    out.push({ field: 'firstResponseMinutes', reason: 'a policy needs at least one target' });
  }
  const queueIds = [...(b.conditions?.queueIds ?? []), ...(b.escalation?.toQueueId ? [b.escalation.toQueueId] : [])];
  if (queueIds.length) {
    const known = new Set((await db.query(`SELECT id FROM queues WHERE id = ANY($1::bigint[])`, [queueIds])).rows.map((r) => Number(r.id)));
    for (const id of b.conditions?.queueIds ?? []) if (!known.has(id)) out.push({ field: 'conditions.queueIds', reason: `unknown queue ${id}` });
    if (b.escalation?.toQueueId && !known.has(b.escalation.toQueueId)) out.push({ field: 'escalation.toQueueId', reason: 'unknown queue' });
  }
  return out;
}

const params = (b: SlaPolicyBody) => [
  b.name,
  b.position ?? 0,
  b.enabled ?? true,
  JSON.stringify(b.conditions ?? {}),
  b.firstResponseMinutes ?? null,
  b.nextResponseMinutes ?? null,
  b.resolutionMinutes ?? null,
  b.businessTime ?? true,
  b.warnPercent ?? 80,
  JSON.stringify(b.escalation ?? { raisePriority: true, notifySupervisors: true }),
];

/** /api/v1/admin/sla-policies — SLA policies: the first enabled one (by position) whose conditions match a case applies. */
const slaPolicies: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sla-policies', { schema: { tags: ['admin'], summary: 'SLA policies in the order they are tried', response: { 200: Type.Array(SlaPolicyView) } } }, async () => {
    return (await app.db.query(`${SELECT} ORDER BY position, id`)).rows;
  });

  app.post('/sla-policies', { schema: { tags: ['admin'], summary: 'Add an SLA policy', body: SlaPolicyBody, response: { 201: SlaPolicyView, 400: ErrorView } } }, async (req, reply) => {
    const p = await problems(app.db, req.body);
    if (p.length) throw badRequest(p.map((x) => `${x.field}: ${x.reason}`).join('; '), p);
    const r = await app.db.query(
      `INSERT INTO sla_policies (name, position, enabled, conditions, first_response_minutes, next_response_minutes, resolution_minutes, business_time, warn_percent, escalation)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      params(req.body),
    );
    const after = (await app.db.query(`${SELECT} WHERE id = $1`, [r.rows[0].id])).rows[0];
    await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'sla_policy', entityId: after.id, after, ip: req.ip });
    await markOpenCasesForSla(app.db);
    return reply.code(201).send(after);
  });

  app.put('/sla-policies/:id', { schema: { tags: ['admin'], summary: 'Change an SLA policy (open cases are recomputed)', params: IdParams, body: SlaPolicyBody, response: { 200: SlaPolicyView, 400: ErrorView, 404: ErrorView } } }, async (req) => {
    const before = (await app.db.query(`${SELECT} WHERE id = $1`, [req.params.id])).rows[0];
    if (!before) throw notFound('SLA policy');
    const p = await problems(app.db, req.body);
    if (p.length) throw badRequest(p.map((x) => `${x.field}: ${x.reason}`).join('; '), p);
    await app.db.query(
      `UPDATE sla_policies SET name = $1, position = $2, enabled = $3, conditions = $4, first_response_minutes = $5, next_response_minutes = $6,
              resolution_minutes = $7, business_time = $8, warn_percent = $9, escalation = $10, updated_at = now() WHERE id = $11`,
      [...params(req.body), req.params.id],
    );
    const after = (await app.db.query(`${SELECT} WHERE id = $1`, [req.params.id])).rows[0];
    await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'sla_policy', entityId: req.params.id, before, after, ip: req.ip });
    await markOpenCasesForSla(app.db);
    return after;
  });

  app.delete('/sla-policies/:id', { schema: { tags: ['admin'], summary: 'Remove an SLA policy (its cases fall to the next matching one)', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } }, async (req, reply) => {
    const before = (await app.db.query(`${SELECT} WHERE id = $1`, [req.params.id])).rows[0];
    if (!before) throw notFound('SLA policy');
    await app.db.query(`DELETE FROM sla_policies WHERE id = $1`, [req.params.id]);
    await audit(app.db, { actorId: req.agent!.id, action: 'delete', entity: 'sla_policy', entityId: req.params.id, before, ip: req.ip });
    await markOpenCasesForSla(app.db);
    return reply.code(204).send(null);
  });
};

export default slaPolicies;
