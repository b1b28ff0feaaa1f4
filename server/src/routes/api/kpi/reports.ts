import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { DEFAULT_FCR_DAYS, kpiSummary, volumeSeries } from '../../../kpi/historical.js';
import { occupancyByAgent } from '../../../kpi/occupancy.js';
import { agentReport, allDrillCases, breakdown, BREAKDOWNS, drillCases, DRILL_METRICS, heatmap, type ReportCaseRow } from '../../../kpi/reports.js';
import { organisationTimeZone, type ReportFilter } from '../../../kpi/report-filter.js';
import { csvStream, csvTable, type CsvValue } from '../../../kpi/csv.js';
import { badRequest } from '../../../lib/errors.js';
import { CaseTypeT, ChannelT, Id, StringEnum } from '../../../schemas/common.js';
import { AgentReportRow, BreakdownRow, HeatmapCell, ReportCaseRow as ReportCaseRowT, ReportOptions, ReportSummary, VolumeRow } from '../../../contracts/kpi.js';

/** The longest window a report reads: a year and a month, enough for year-on-year views. */
const MAX_WINDOW_DAYS = 400;

const Filters = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  queueId: Type.Optional(Id()),
  channel: Type.Optional(ChannelT),
  agentId: Type.Optional(Id()),
  caseType: Type.Optional(CaseTypeT),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  dispositionId: Type.Optional(Id()),
  fcrDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
  format: Type.Optional(StringEnum(['json', 'csv'] as const)),
});
type FiltersQ = Static<typeof Filters>;

const columns = <T>(spec: [string, (r: T) => CsvValue][]) => spec.map(([header, value]) => ({ header, value }));

const CASE_COLUMNS = columns<ReportCaseRow>([
  ['case_id', (r) => r.caseId],
  ['number', (r) => r.number],
  ['subject', (r) => r.subject],
  ['channel', (r) => r.channel],
  ['type', (r) => r.type],
  ['status', (r) => r.status],
  ['queue', (r) => r.queue],
  ['agent', (r) => r.agent],
  ['tags', (r) => r.tags],
  ['created_at', (r) => r.createdAt],
  ['queued_at', (r) => r.queuedAt],
  ['accepted_at', (r) => r.acceptedAt],
  ['wait_seconds', (r) => r.waitSeconds],
  ['abandoned', (r) => r.abandoned],
  ['first_response_at', (r) => r.firstResponseAt],
  ['solved_at', (r) => r.solvedAt],
  ['reopened', (r) => r.reopened],
  ['csat', (r) => r.csat],
  // added last: spreadsheets built on the earlier columns keep their places
  ['disposition', (r) => r.disposition],
]);

/**
 * Reports for supervisors (issue 16): every figure, table and drill-down takes the same window and
 * filters (queue, channel, agent, case type, tag, disposition); every table is also CSV (`format=csv`).
 * Day and hour buckets are the organisation's.
 */
const reports: FastifyPluginAsyncTypebox = async (app) => {
  const filterOf = (q: FiltersQ): ReportFilter => {
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw badRequest('from must be before to', [{ field: 'from', reason: 'must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) throw badRequest(`the window is longer than ${MAX_WINDOW_DAYS} days`, [{ field: 'to', reason: `at most ${MAX_WINDOW_DAYS} days after from` }]);
    return { from, to, queueId: q.queueId, channel: q.channel, agentId: q.agentId, caseType: q.caseType, tag: q.tag, dispositionId: q.dispositionId };
  };
  const thresholdsOf = async (queueId?: number) =>
    queueId ? ((await app.db.query(`SELECT sl_thresholds FROM queues WHERE id = $1`, [queueId])).rows[0]?.sl_thresholds ?? {}) : {};
  const sendCsv = (reply: FastifyReply, name: string, body: string | Readable) =>
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(body);

  app.get('/reports/options', { schema: { tags: ['reports'], summary: "What the report filters offer: the organisation's time zone, queues, agents, dispositions, break reasons and the most used tags", response: { 200: ReportOptions } } }, async () => {
    const [timeZone, queues, agents, tags, dispositions, breakReasons] = await Promise.all([
      organisationTimeZone(app.db),
      app.db.query(`SELECT id, name FROM queues ORDER BY name`),
      app.db.query(`SELECT id, name FROM agents WHERE active ORDER BY name, id`),
      // the latest 20,000 cases are a fair sample of the tags in use, and bound the read
      app.db.query(`SELECT t AS tag FROM (SELECT tags FROM cases ORDER BY id DESC LIMIT 20000) c, unnest(c.tags) t GROUP BY t ORDER BY count(*) DESC, t LIMIT 100`),
      app.db.query(`SELECT id, code, label_en AS "labelEn", label_fa AS "labelFa", queue_id AS "queueId", active FROM dispositions ORDER BY code, id`),
      app.db.query(`SELECT id, name_en AS "nameEn", name_fa AS "nameFa", active, position FROM break_reasons ORDER BY position, id`),
    ]);
    return { timeZone, queues: queues.rows, agents: agents.rows, tags: tags.rows.map((r) => r.tag as string), dispositions: dispositions.rows, breakReasons: breakReasons.rows };
  });

  app.get('/reports/summary', { schema: { tags: ['reports'], summary: 'KPI tiles: service level, ASA, AHT, FRT, resolution, abandonment, occupancy, CSAT, FCR', querystring: Filters, response: { 200: ReportSummary } } }, async (req, reply) => {
    const f = filterOf(req.query);
    const [k, occ] = await Promise.all([kpiSummary(app.db, f, await thresholdsOf(f.queueId), req.query.fcrDays ?? DEFAULT_FCR_DAYS), occupancyByAgent(app.db, f.from, f.to, f.agentId)]);
    const busy = occ.reduce((n, a) => n + a.busySeconds, 0);
    const staffed = occ.reduce((n, a) => n + a.staffedSeconds, 0);
    const out = { ...k, occupancy: staffed > 0 ? busy / staffed : null };
    if (req.query.format === 'csv') return sendCsv(reply, 'summary', csvTable(columns<typeof out>(Object.keys(out).map((key) => [key, (r) => r[key as keyof typeof out]])), [out]));
    return out;
  });

  app.get(
    '/reports/volume',
    {
      schema: {
        tags: ['reports'],
        summary: 'Offered, answered, abandoned, service level and ASA per hour or day and channel',
        querystring: Type.Intersect([Filters, Type.Object({ bucket: Type.Optional(StringEnum(['hour', 'day'] as const)) })]),
        response: { 200: Type.Array(VolumeRow) },
      },
    },
    async (req, reply) => {
      const f = filterOf(req.query);
      const rows = await volumeSeries(app.db, { ...f, bucket: req.query.bucket ?? 'day', timeZone: await organisationTimeZone(app.db) }, await thresholdsOf(f.queueId));
      if (req.query.format !== 'csv') return rows;
      return sendCsv(
        reply,
        'volume',
        csvTable(
          columns<(typeof rows)[number]>([
            ['bucket', (r) => r.bucket],
            ['channel', (r) => r.channel],
            ['offered', (r) => r.offered],
            ['answered', (r) => r.answered],
            ['answered_within_threshold', (r) => r.answeredWithinThreshold],
            ['abandoned', (r) => r.abandoned],
            ['service_level', (r) => r.serviceLevel],
            ['asa_seconds', (r) => r.asaSeconds],
          ]),
          rows,
        ),
      );
    },
  );

  app.get('/reports/agents', { schema: { tags: ['reports'], summary: 'Per agent: accepted, solved, AHT, FRT, FCR, CSAT, occupancy', querystring: Filters, response: { 200: Type.Array(AgentReportRow) } } }, async (req, reply) => {
    const rows = await agentReport(app.db, filterOf(req.query), req.query.fcrDays ?? DEFAULT_FCR_DAYS);
    if (req.query.format !== 'csv') return rows;
    return sendCsv(
      reply,
      'agents',
      csvTable(
        columns<(typeof rows)[number]>([
          ['agent_id', (r) => r.agentId],
          ['agent', (r) => r.name],
          ['accepted', (r) => r.accepted],
          ['solved', (r) => r.solved],
          ['aht_seconds', (r) => r.ahtSeconds],
          ['first_response_seconds', (r) => r.firstResponseSeconds],
          ['first_contact_resolution', (r) => r.firstContactResolution],
          ['csat', (r) => r.csat],
          ['csat_responses', (r) => r.csatResponses],
          ['busy_seconds', (r) => r.busySeconds],
          ['staffed_seconds', (r) => r.staffedSeconds],
          ['occupancy', (r) => r.occupancy],
          ['wrap_up_seconds', (r) => r.wrapUpSeconds],
          ['break_seconds', (r) => JSON.stringify(r.breakSeconds)],
        ]),
        rows,
      ),
    );
  });

  app.get('/reports/heatmap', { schema: { tags: ['reports'], summary: 'Offered volume by weekday × hour (organisation time), with arrivals per hour for Erlang C', querystring: Filters, response: { 200: Type.Array(HeatmapCell) } } }, async (req, reply) => {
    const rows = await heatmap(app.db, { ...filterOf(req.query), timeZone: await organisationTimeZone(app.db) });
    if (req.query.format !== 'csv') return rows;
    return sendCsv(
      reply,
      'heatmap',
      csvTable(
        columns<(typeof rows)[number]>([
          ['weekday', (r) => r.weekday],
          ['hour', (r) => r.hour],
          ['offered', (r) => r.offered],
          ['arrivals_per_hour', (r) => r.perHour],
        ]),
        rows,
      ),
    );
  });

  app.get(
    '/reports/breakdown',
    {
      schema: {
        tags: ['reports'],
        summary: 'Cases created in the window per type, per tag or per disposition (complaints: caseType=complaint&by=tag; why customers call: by=disposition)',
        querystring: Type.Intersect([Filters, Type.Object({ by: StringEnum(BREAKDOWNS) })]),
        response: { 200: Type.Array(BreakdownRow) },
      },
    },
    async (req, reply) => {
      const rows = await breakdown(app.db, filterOf(req.query), req.query.by);
      if (req.query.format !== 'csv') return rows;
      return sendCsv(
        reply,
        `by-${req.query.by}`,
        csvTable(
          columns<(typeof rows)[number]>([
            [req.query.by, (r) => r.key],
            ['cases', (r) => r.cases],
            ['solved', (r) => r.solved],
          ]),
          rows,
        ),
      );
    },
  );

  app.get(
    '/reports/cases',
    {
      schema: {
        tags: ['reports'],
        summary: 'The cases behind a figure (drill-down), by case id; format=csv streams every one (one row per case)',
        querystring: Type.Intersect([
          Filters,
          Type.Object({
            metric: Type.Optional(StringEnum(DRILL_METRICS)),
            weekday: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 })),
            hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            afterId: Type.Optional(Type.Integer({ minimum: 0 })),
          }),
        ]),
        response: { 200: Type.Array(ReportCaseRowT) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const d = {
        ...filterOf(q),
        metric: q.metric ?? 'created',
        weekday: q.weekday,
        hour: q.hour,
        fcrDays: q.fcrDays,
        timeZone: q.weekday !== undefined || q.hour !== undefined ? await organisationTimeZone(app.db) : undefined,
        thresholds: await thresholdsOf(q.queueId),
      };
      if (q.format !== 'csv') return drillCases(app.db, d, q.limit ?? 200, q.afterId ?? 0);
      return sendCsv(reply, `cases-${d.metric}`, Readable.from(csvStream(CASE_COLUMNS, allDrillCases(app.db, d))));
    },
  );
};

export default reports;
