import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorView, IdParams, SettablePresenceT, Id } from '../../../schemas/common.js';
import { notFound } from '../../../lib/errors.js';
import { assignCase, transferCase, unassignCase } from '../../../lifecycle/transfer.js';
import { setPresence } from '../../../lifecycle/presence.js';
import { agentStats, queueStats } from '../../../routing/stats.js';
import { audit } from '../../../audit/audit-log.js';
import { LiveStats, PresencePayload } from '../../../contracts/views.js';

export const HolderView = Type.Object({
  caseId: Type.Integer(),
  assigneeId: Type.Union([Type.Integer(), Type.Null()]),
  queueId: Type.Union([Type.Integer(), Type.Null()]),
  routingState: Type.String(),
});


/** Supervisor actions on routing: assign, transfer, unassign, set an agent's presence, live figures. */
const supervisor: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('supervisor', 'admin'));
  const errors = { 400: ErrorView, 403: ErrorView, 404: ErrorView, 409: ErrorView };

  app.post(
    '/supervisor/cases/:id/assign',
    {
      schema: {
        tags: ['supervisor'],
        summary: 'Assign a case (usually a waiting one) to a named agent; the agent needs free capacity',
        params: IdParams,
        body: Type.Object({ agentId: Id() }),
        response: { 200: HolderView, ...errors },
      },
    },
    async (req) => assignCase(app.routingDeps, { caseId: req.params.id, actorId: req.agent!.id, agentId: req.body.agentId }),
  );

  app.post(
    '/supervisor/cases/:id/transfer',
    {
      schema: {
        tags: ['supervisor'],
        summary: 'Transfer a case to an agent or to a queue (a queue transfer keeps its place in line)',
        params: IdParams,
        body: Type.Object({ toAgentId: Type.Optional(Id()), toQueueId: Type.Optional(Id()) }),
        response: { 200: HolderView, ...errors },
      },
    },
    async (req) =>
      transferCase(app.routingDeps, { caseId: req.params.id, actorId: req.agent!.id, toAgentId: req.body.toAgentId, toQueueId: req.body.toQueueId }),
  );

  app.post(
    '/supervisor/cases/:id/unassign',
    {
      schema: { tags: ['supervisor'], summary: 'Take a case from its agent; it waits again in its original place', params: IdParams, response: { 200: HolderView, ...errors } },
    },
    async (req) => unassignCase(app.routingDeps, { caseId: req.params.id, actorId: req.agent!.id }),
  );

  app.put(
    '/supervisor/agents/:id/presence',
    {
      schema: {
        tags: ['supervisor'],
        summary: "Set an agent's presence (e.g. Away for an agent who left without signing off)",
        params: IdParams,
        body: Type.Object({ presence: SettablePresenceT }),
        response: { 200: PresencePayload, 404: ErrorView },
      },
    },
    async (req) => {
      const a = await app.db.query(`SELECT presence FROM agents WHERE id = $1`, [req.params.id]);
      if (!a.rowCount) throw notFound('agent');
      const r = await setPresence(app.routingDeps, req.params.id, req.body.presence, 'supervisor');
      if (r.changed) await audit(app.db, { actorId: req.agent!.id, action: 'agent.presence', entity: 'agent', entityId: req.params.id, before: { presence: a.rows[0].presence }, after: { presence: req.body.presence }, ip: req.ip });
      return r.presence;
    },
  );

  app.get(
    '/supervisor/stats',
    { schema: { tags: ['supervisor'], summary: 'Live queue and agent figures (also pushed on /supervisor as stats:queues / stats:agents)', response: { 200: LiveStats } } },
    async () => ({ at: new Date().toISOString(), queues: await queueStats(app.db), agents: await agentStats(app.db) }),
  );
};

export default supervisor;
