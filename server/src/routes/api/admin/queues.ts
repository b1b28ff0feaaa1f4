import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { audit } from '../../../audit/audit-log.js';
import { invalidateQueueLookups } from '../../../ingest/queue-lookup.js';
import { conflict, notFound } from '../../../lib/errors.js';
import { ChannelT, ErrorView, IdParams, Id } from '../../../schemas/common.js';
import { CHANNELS } from '../../../contracts/vocabulary.js';
import { AdminQueueView as QueueView, DistributionT, EscalationStep } from '../../../contracts/admin.js';

/** seconds per channel; only channel names are keys */
const OfferTimeouts = Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 }))])), { additionalProperties: false });
const QueueBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  requiredSkills: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }))),
  channels: Type.Optional(Type.Array(ChannelT, { minItems: 1 })),
  isDefault: Type.Optional(Type.Boolean()),
  overflowQueueId: Type.Optional(Type.Union([Id(), Type.Null()])),
  escalationSteps: Type.Optional(Type.Array(EscalationStep, { maxItems: 10 })),
  priorityOverrides: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1, maximum: 1000 }))),
  slThresholds: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1 }))),
  maxWaitSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  /** seconds an agent has to accept an offer, per channel; a channel left out uses the hub's default */
  offerTimeouts: Type.Optional(OfferTimeouts),
  /** which eligible agent gets the next case; null: least_loaded for chat, longest_idle for the other channels */
  distribution: Type.Optional(DistributionT),
  memberIds: Type.Optional(Type.Array(Id())),
  /** the queue's team lead: where an SLA policy may send a breached case */
  leadAgentId: Type.Optional(Type.Union([Id(), Type.Null()])),
  /** after-call work after a call or chat of this queue ends, in seconds (0: none) */
  wrapUpSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
  /** agents must choose a disposition before solving a case of this queue */
  dispositionRequired: Type.Optional(Type.Boolean()),
});
const SELECT = `SELECT q.id, q.name, q.description, q.required_skills AS "requiredSkills", q.channels, q.is_default AS "isDefault",
  q.overflow_queue_id AS "overflowQueueId", q.escalation_steps AS "escalationSteps", q.priority_overrides AS "priorityOverrides",
  q.sl_thresholds AS "slThresholds", q.max_wait_seconds AS "maxWaitSeconds", q.offer_timeouts AS "offerTimeouts", q.distribution, q.lead_agent_id AS "leadAgentId",
  q.wrap_up_seconds AS "wrapUpSeconds", q.disposition_required AS "dispositionRequired",
  COALESCE((SELECT array_agg(m.agent_id ORDER BY m.agent_id) FROM queue_members m WHERE m.queue_id = q.id), '{}') AS "memberIds"
  FROM queues q`;

const queues: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin', 'supervisor'));
  // ingest reads queues through a short cache: a change made here applies to the next message
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method !== 'GET') invalidateQueueLookups(app.ingestDb);
    return payload;
  });

  app.get('/queues', { schema: { tags: ['admin'], summary: 'Queue configuration', response: { 200: Type.Array(QueueView) } } }, async () => {
    return (await app.db.query(`${SELECT} ORDER BY q.name`)).rows;
  });

  app.post(
    '/queues',
    { preHandler: app.requireRole('admin'), schema: { tags: ['admin'], summary: 'Create a queue', body: QueueBody, response: { 201: QueueView, 409: ErrorView } } },
    async (req, reply) => {
      const b = req.body;
      if ((await app.db.query(`SELECT 1 FROM queues WHERE name = $1`, [b.name])).rowCount) throw conflict(`queue "${b.name}" already exists`);
      const r = await app.db.query(
        `INSERT INTO queues (name, description, required_skills, channels, is_default, overflow_queue_id, escalation_steps, priority_overrides, sl_thresholds, max_wait_seconds, distribution, offer_timeouts, lead_agent_id, wrap_up_seconds, disposition_required)
         VALUES ($1, $2, $3, COALESCE($4, '{voice,chat,sms,email,portal,api}'::text[]), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
        [b.name, b.description ?? '', b.requiredSkills ?? [], b.channels ?? null, b.isDefault ?? false, b.overflowQueueId ?? null,
         JSON.stringify(b.escalationSteps ?? []), JSON.stringify(b.priorityOverrides ?? {}), JSON.stringify(b.slThresholds ?? {}), b.maxWaitSeconds ?? null, b.distribution ?? null, JSON.stringify(b.offerTimeouts ?? {}), b.leadAgentId ?? null,
         b.wrapUpSeconds ?? 0, b.dispositionRequired ?? false],
      );
      const id = r.rows[0].id;
      for (const m of b.memberIds ?? []) await app.db.query(`INSERT INTO queue_members VALUES ($1, $2) ON CONFLICT DO NOTHING`, [id, m]);
      const q = (await app.db.query(`${SELECT} WHERE q.id = $1`, [id])).rows[0];
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'queue', entityId: id, after: q, ip: req.ip });
      return reply.code(201).send(q);
    },
  );

  app.patch(
    '/queues/:id',
    { preHandler: app.requireRole('admin'), schema: { tags: ['admin'], summary: 'Update a queue', params: IdParams, body: Type.Partial(QueueBody), response: { 200: QueueView, 404: ErrorView } } },
    async (req) => {
      const before = (await app.db.query(`${SELECT} WHERE q.id = $1`, [req.params.id])).rows[0];
      if (!before) throw notFound('queue');
      const b = req.body;
      await app.db.query(
        `UPDATE queues SET name = COALESCE($2, name), description = COALESCE($3, description), required_skills = COALESCE($4, required_skills),
                channels = COALESCE($5, channels), is_default = COALESCE($6, is_default),
                overflow_queue_id = CASE WHEN $7::boolean THEN $8 ELSE overflow_queue_id END,
                escalation_steps = COALESCE($9, escalation_steps), priority_overrides = COALESCE($10, priority_overrides),
                sl_thresholds = COALESCE($11, sl_thresholds),
                max_wait_seconds = CASE WHEN $12::boolean THEN $13 ELSE max_wait_seconds END,
                distribution = CASE WHEN $14::boolean THEN $15 ELSE distribution END,
                offer_timeouts = COALESCE($16, offer_timeouts), lead_agent_id = CASE WHEN $17::boolean THEN $18 ELSE lead_agent_id END,
                wrap_up_seconds = COALESCE($19, wrap_up_seconds), disposition_required = COALESCE($20, disposition_required), updated_at = now()
          WHERE id = $1`,
        [req.params.id, b.name ?? null, b.description ?? null, b.requiredSkills ?? null, b.channels ?? null, b.isDefault ?? null,
         b.overflowQueueId !== undefined, b.overflowQueueId ?? null,
         b.escalationSteps ? JSON.stringify(b.escalationSteps) : null, b.priorityOverrides ? JSON.stringify(b.priorityOverrides) : null,
         b.slThresholds ? JSON.stringify(b.slThresholds) : null, b.maxWaitSeconds !== undefined, b.maxWaitSeconds ?? null,
         b.distribution !== undefined, b.distribution ?? null, b.offerTimeouts ? JSON.stringify(b.offerTimeouts) : null, b.leadAgentId !== undefined, b.leadAgentId ?? null,
         b.wrapUpSeconds ?? null, b.dispositionRequired ?? null],
      );
      if (b.memberIds) {
        await app.db.query(`DELETE FROM queue_members WHERE queue_id = $1`, [req.params.id]);
        for (const m of b.memberIds) await app.db.query(`INSERT INTO queue_members VALUES ($1, $2) ON CONFLICT DO NOTHING`, [req.params.id, m]);
      }
      const after = (await app.db.query(`${SELECT} WHERE q.id = $1`, [req.params.id])).rows[0];
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'queue', entityId: req.params.id, before, after, ip: req.ip });
      return after;
    },
  );
};

export default queues;
