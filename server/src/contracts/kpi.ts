// KPI shapes the API returns, shared with the supervisor dashboard: TypeBox schemas (the KPI routes'
// response schemas) whose Static types the server and the UI use.
import { Type, type Static } from 'typebox';
import { ChannelT, Nullable } from './vocabulary.js';
import { BreakReason, Disposition } from './agent-states.js';

const Ratio = Type.Union([Type.Number(), Type.Null()]);

export const KpiSummary = Type.Object({
  offered: Type.Integer(),
  answered: Type.Integer(),
  answeredWithinThreshold: Type.Integer(),
  abandoned: Type.Integer(),
  /** answered within threshold ÷ offered (abandoned included); null when nothing was offered */
  serviceLevel: Ratio,
  abandonmentRate: Ratio,
  /** mean seconds from queue entry to accept */
  asaSeconds: Ratio,
  /** mean handle seconds: call talk time for voice, accept → solved otherwise */
  ahtSeconds: Ratio,
  /** mean seconds from case creation to the first agent reply */
  firstResponseSeconds: Ratio,
  /** mean seconds from creation to solved */
  resolutionSeconds: Ratio,
  /** share of 4–5 ratings among rated cases */
  csat: Ratio,
  csatResponses: Type.Integer(),
  /** cases first solved in the window */
  solved: Type.Integer(),
  /** of those, the share not reopened within the FCR days (first-contact resolution); null when none */
  firstContactResolution: Ratio,
});
export type KpiSummary = Static<typeof KpiSummary>;

export const KpiPoint = Type.Object({
  bucket: Type.String(),
  offered: Type.Integer(),
  answered: Type.Integer(),
  abandoned: Type.Integer(),
  serviceLevel: Ratio,
  asaSeconds: Ratio,
});
export type KpiPoint = Static<typeof KpiPoint>;

/** occupancy = time busy with cases ÷ time Available or busy, overall and per agent */
export const Occupancy = Type.Object({
  occupancy: Ratio,
  agents: Type.Array(
    Type.Object({
      agentId: Type.Integer(),
      name: Type.String(),
      busySeconds: Type.Number(),
      staffedSeconds: Type.Number(),
      occupancy: Ratio,
      /** of busySeconds: after-call work (wrap-up) */
      wrapUpSeconds: Type.Number(),
      /** Away time per break reason id ("none": no reason given) */
      breakSeconds: Type.Record(Type.String(), Type.Number()),
    }),
  ),
});
export type Occupancy = Static<typeof Occupancy>;

/** Erlang C: the agents needed for a service-level target, and the table it was chosen from */
export const Staffing = Type.Object({
  trafficErlangs: Type.Number(),
  agents: Type.Union([Type.Integer(), Type.Null()]),
  table: Type.Array(Type.Object({ agents: Type.Integer(), serviceLevel: Type.Number(), asaSeconds: Type.Number(), occupancy: Type.Number() })),
});
export type Staffing = Static<typeof Staffing>;


/** One row of the per-agent report. */
export const AgentReportRow = Type.Object({
  agentId: Type.Integer(),
  name: Type.String(),
  /** cases the agent accepted (first accept) among those offered in the window */
  accepted: Type.Integer(),
  /** cases first solved in the window whose handler was this agent */
  solved: Type.Integer(),
  ahtSeconds: Ratio,
  firstResponseSeconds: Ratio,
  firstContactResolution: Ratio,
  csat: Ratio,
  csatResponses: Type.Integer(),
  busySeconds: Type.Number(),
  staffedSeconds: Type.Number(),
  occupancy: Ratio,
  /** of busySeconds: time in after-call work (wrap-up) */
  wrapUpSeconds: Type.Number(),
  /** time Away in the window per break reason id ("none": Away with no reason) — adherence data */
  breakSeconds: Type.Record(Type.String(), Type.Number()),
});
export type AgentReportRow = Static<typeof AgentReportRow>;

/** Offered volume by the organisation's weekday (1 = Monday … 7 = Sunday, ISO) and hour (0–23). */
export const HeatmapCell = Type.Object({
  weekday: Type.Integer(),
  hour: Type.Integer(),
  offered: Type.Integer(),
  /** offered ÷ the number of such weekday-hours in the window: arrivals per hour, the Erlang C input */
  perHour: Type.Number(),
});
export type HeatmapCell = Static<typeof HeatmapCell>;

/** Cases created in the window per type or per tag (complaints and what customers ask about). */
export const BreakdownRow = Type.Object({
  key: Type.String(),
  cases: Type.Integer(),
  solved: Type.Integer(),
  /** by disposition: the disposition's id (null: cases given none) */
  id: Type.Optional(Nullable(Type.Integer())),
});
export type BreakdownRow = Static<typeof BreakdownRow>;

/** One row of a drill-down list or the one-row-per-case export. */
export const ReportCaseRow = Type.Object({
  caseId: Type.Integer(),
  number: Type.Integer(),
  subject: Type.String(),
  channel: Type.String(),
  type: Type.String(),
  status: Type.String(),
  queue: Nullable(Type.String()),
  agent: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  /** the disposition's code */
  disposition: Nullable(Type.String()),
  createdAt: Type.String(),
  queuedAt: Nullable(Type.String()),
  acceptedAt: Nullable(Type.String()),
  waitSeconds: Ratio,
  abandoned: Type.Boolean(),
  firstResponseAt: Nullable(Type.String()),
  solvedAt: Nullable(Type.String()),
  reopened: Type.Boolean(),
  csat: Ratio,
});
export type ReportCaseRow = Static<typeof ReportCaseRow>;

/** One bucket of one channel in the volume report: the KPI point plus the channel and the answers within threshold. */
export const VolumeRow = Type.Intersect([KpiPoint, Type.Object({ channel: ChannelT, answeredWithinThreshold: Type.Integer() })]);
export type VolumeRow = Static<typeof VolumeRow>;

/** The reports page's tiles: the KPI summary and the occupancy over the window (null: nobody staffed). */
export const ReportSummary = Type.Intersect([KpiSummary, Type.Object({ occupancy: Ratio })]);
export type ReportSummary = Static<typeof ReportSummary>;

const Named = Type.Object({ id: Type.Integer(), name: Type.String() });
/** What the report filters offer. */
export const ReportOptions = Type.Object({
  timeZone: Type.String(),
  queues: Type.Array(Named),
  agents: Type.Array(Named),
  tags: Type.Array(Type.String()),
  dispositions: Type.Array(Disposition),
  breakReasons: Type.Array(BreakReason),
});
export type ReportOptions = Static<typeof ReportOptions>;
