import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CasePriorityT, ChannelT, Id } from '../../../schemas/common.js';
import { visibleQueueIds } from '../../../access/policy.js';

const WaitingCase = Type.Object({
  position: Type.Integer({ description: '1 = next to be offered' }),
  caseId: Type.Integer(),
  number: Type.Integer(),
  subject: Type.String(),
  channel: ChannelT,
  priority: CasePriorityT,
  routingPriority: Type.Integer({ description: 'lower is served sooner' }),
  queue: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }), Type.Null()]),
  customer: Type.Object({ id: Type.Integer(), name: Type.Union([Type.String(), Type.Null()]), tier: Type.String() }),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('offered')]),
  offeredTo: Type.Union([Type.Integer(), Type.Null()]),
  firstQueuedAt: Type.String({ format: 'date-time' }),
  waitingSeconds: Type.Integer(),
});

/** GET /api/v1/queues — the one queue of waiting cases in the order they will be offered. */
const queues: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/queues',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['routing'],
        summary: 'Waiting cases in routing order (priority, then first time in queue) with wait time',
        querystring: Type.Object({
          queueId: Type.Optional(Id()),
          channel: Type.Optional(ChannelT),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
        }),
        response: { 200: Type.Object({ total: Type.Integer(), cases: Type.Array(WaitingCase) }) },
      },
    },
    async (req) => {
      const q = req.query;
      // agents see the waiting cases of their own queues only
      const visible = await visibleQueueIds(app.db, req.agent!);
      const r = await app.db.query(
        `SELECT c.id, c.number, c.subject, c.channel, c.priority, c.routing_priority, c.routing_state, c.first_queued_at,
                GREATEST(0, EXTRACT(EPOCH FROM (now() - c.first_queued_at)))::int AS waiting_seconds,
                q.id AS queue_id, q.name AS queue_name, cu.id AS customer_id, cu.name AS customer_name, cu.tier,
                (SELECT o.agent_id FROM offers o WHERE o.case_id = c.id AND o.status = 'pending') AS offered_to,
                count(*) OVER () AS total
           FROM cases c JOIN customers cu ON cu.id = c.customer_id LEFT JOIN queues q ON q.id = c.queue_id
          WHERE c.routing_state IN ('waiting', 'offered')
            AND ($1::bigint IS NULL OR c.queue_id = $1) AND ($2::text IS NULL OR c.channel = $2)
            AND ($4::bigint[] IS NULL OR c.queue_id = ANY($4))
          ORDER BY c.routing_priority, c.first_queued_at, c.id
          LIMIT $3`,
        [q.queueId ?? null, q.channel ?? null, q.limit ?? 200, visible === 'all' ? null : visible],
      );
      return {
        total: r.rows[0]?.total ?? 0,
        cases: r.rows.map((x, i) => ({
          position: i + 1,
          caseId: x.id,
          number: x.number,
          subject: x.subject,
          channel: x.channel,
          priority: x.priority,
          routingPriority: x.routing_priority,
          queue: x.queue_id ? { id: x.queue_id, name: x.queue_name } : null,
          customer: { id: x.customer_id, name: x.customer_name, tier: x.tier },
          state: x.routing_state,
          offeredTo: x.offered_to,
          firstQueuedAt: new Date(x.first_queued_at).toISOString(),
          waitingSeconds: x.waiting_seconds,
        })),
      };
    },
  );
  // Transfers by the holding agent live with the other case actions (routes/api/cases/workspace.ts).
};

export default queues;
