import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { kpiSummary, kpiTimeseries } from '../../../kpi/historical.js';
import { requiredAgents } from '../../../kpi/erlang-c.js';
import { occupancyByAgent } from '../../../kpi/occupancy.js';
import { slaBreaches, slaMet } from '../../../kpi/sla.js';
import { SlaBreachRow, SlaMetRow } from '../../../contracts/sla.js';
import { badRequest } from '../../../lib/errors.js';
import { ChannelT, Id } from '../../../schemas/common.js';
import { KpiPoint, KpiSummary, Occupancy, Staffing } from '../../../contracts/kpi.js';
import { organisationTimeZone } from '../../../kpi/report-filter.js';
import reportRoutes from './reports.js';

const Window = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  queueId: Type.Optional(Id()),
  channel: Type.Optional(ChannelT),
});

/** Historical KPIs for supervisors, computed from case events. */
const kpi: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('supervisor', 'admin'));
  // the reports share this plugin's role check (a child plugin inherits its hooks)
  await app.register(reportRoutes);

  const parse = (q: { from: string; to: string }) => {
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw badRequest('from must be before to', [{ field: 'from', reason: 'must be before to' }]);
    return { from, to };
  };
  const thresholdsOf = async (queueId?: number) =>
    queueId ? ((await app.db.query(`SELECT sl_thresholds FROM queues WHERE id = $1`, [queueId])).rows[0]?.sl_thresholds ?? {}) : {};

  const SlaQuery = Type.Object({
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    by: Type.Optional(Type.Union([Type.Literal('policy'), Type.Literal('queue'), Type.Literal('agent')])),
    queueId: Type.Optional(Id()),
    agentId: Type.Optional(Id()),
    policyId: Type.Optional(Id()),
  });
  app.get(
    '/kpi/sla',
    { schema: { tags: ['kpi'], summary: 'SLA met % of first response and resolution per policy, queue or agent (cases created in the window)', querystring: SlaQuery, response: { 200: Type.Object({ rows: Type.Array(SlaMetRow) }) } } },
    async (req) => ({ rows: await slaMet(app.db, { ...parse(req.query), queueId: req.query.queueId, agentId: req.query.agentId, policyId: req.query.policyId }, req.query.by ?? 'policy') }),
  );
  app.get(
    '/kpi/sla/breaches',
    { schema: { tags: ['kpi'], summary: 'Breached SLA clocks of cases created in the window, latest first', querystring: SlaQuery, response: { 200: Type.Object({ cases: Type.Array(SlaBreachRow) }) } } },
    async (req) => ({ cases: await slaBreaches(app.db, { ...parse(req.query), queueId: req.query.queueId, agentId: req.query.agentId, policyId: req.query.policyId }) }),
  );

  app.get(
    '/kpi/summary',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Service level, ASA, AHT, first response, resolution, abandonment and CSAT for a window',
        querystring: Window,
        response: { 200: KpiSummary },
      },
    },
    async (req) => kpiSummary(app.db, { ...parse(req.query), queueId: req.query.queueId, channel: req.query.channel }, await thresholdsOf(req.query.queueId)),
  );

  app.get(
    '/kpi/timeseries',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Offered, answered, abandoned, service level and ASA per hour or day',
        querystring: Type.Intersect([Window, Type.Object({ bucket: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])) })]),
        response: { 200: Type.Array(KpiPoint) },
      },
    },
    async (req) =>
      kpiTimeseries(
        app.db,
        { ...parse(req.query), queueId: req.query.queueId, channel: req.query.channel, bucket: req.query.bucket ?? 'hour', timeZone: await organisationTimeZone(app.db) },
        await thresholdsOf(req.query.queueId),
      ),
  );

  app.get(
    '/kpi/occupancy',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Occupancy per agent: time busy with cases ÷ time Available or busy',
        querystring: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }),
        response: { 200: Occupancy },
      },
    },
    async (req) => {
      const { from, to } = parse(req.query);
      const agents = await occupancyByAgent(app.db, from, to);
      const busy = agents.reduce((n, a) => n + a.busySeconds, 0);
      const staffed = agents.reduce((n, a) => n + a.staffedSeconds, 0);
      return { occupancy: staffed > 0 ? busy / staffed : null, agents };
    },
  );

  app.get(
    '/kpi/staffing',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Erlang C: agents needed for a service-level target',
        querystring: Type.Object({
          arrivalsPerHour: Type.Number({ exclusiveMinimum: 0, maximum: 100000 }),
          ahtSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86400 }),
          targetServiceLevel: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
          thresholdSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400 })),
        }),
        response: { 200: Staffing },
      },
    },
    async (req) =>
      requiredAgents({
        arrivalsPerHour: req.query.arrivalsPerHour,
        ahtSeconds: req.query.ahtSeconds,
        targetServiceLevel: req.query.targetServiceLevel ?? 0.8,
        thresholdSeconds: req.query.thresholdSeconds ?? 20,
        maxAgents: 2000,
      }),
  );
};

export default kpi;
