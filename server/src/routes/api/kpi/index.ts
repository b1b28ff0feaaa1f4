import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { kpiSummary, kpiTimeseries } from '../../../kpi/historical.js';
import { requiredAgents } from '../../../kpi/erlang-c.js';
import { occupancyByAgent } from '../../../kpi/occupancy.js';
import { organisationTimeZone } from '../../../kpi/report-filter.js';
import { badRequest } from '../../../lib/errors.js';
import { ChannelT, Id } from '../../../schemas/common.js';
import reportRoutes from './reports.js';

const Window = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  queueId: Type.Optional(Id()),
  channel: Type.Optional(ChannelT),
});
const Nullable = (t: ReturnType<typeof Type.Number>) => Type.Union([t, Type.Null()]);

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

  app.get(
    '/kpi/summary',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Service level, ASA, AHT, first response, resolution, abandonment and CSAT for a window',
        querystring: Window,
        response: {
          200: Type.Object({
            offered: Type.Integer(),
            answered: Type.Integer(),
            answeredWithinThreshold: Type.Integer(),
            abandoned: Type.Integer(),
            serviceLevel: Nullable(Type.Number()),
            abandonmentRate: Nullable(Type.Number()),
            asaSeconds: Nullable(Type.Number()),
            ahtSeconds: Nullable(Type.Number()),
            firstResponseSeconds: Nullable(Type.Number()),
            resolutionSeconds: Nullable(Type.Number()),
            csat: Nullable(Type.Number()),
            csatResponses: Type.Integer(),
            solved: Type.Integer(),
            firstContactResolution: Nullable(Type.Number()),
          }),
        },
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
        response: {
          200: Type.Object({
            occupancy: Nullable(Type.Number()),
            agents: Type.Array(
              Type.Object({ agentId: Type.Integer(), name: Type.String(), busySeconds: Type.Number(), staffedSeconds: Type.Number(), occupancy: Nullable(Type.Number()) }),
            ),
          }),
        },
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
