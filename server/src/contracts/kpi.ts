// KPI shapes the API returns, shared with the supervisor dashboard: TypeBox schemas (the KPI routes'
// response schemas) whose Static types the server and the UI use.
import { Type, type Static } from 'typebox';

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
export interface AgentReportRow {
  agentId: number;
  name: string;
  /** cases the agent accepted (first accept) among those offered in the window */
  accepted: number;
  /** cases first solved in the window whose handler was this agent */
  solved: number;
  ahtSeconds: number | null;
  firstResponseSeconds: number | null;
  firstContactResolution: number | null;
  csat: number | null;
  csatResponses: number;
  busySeconds: number;
  staffedSeconds: number;
  occupancy: number | null;
  /** of busySeconds: time in after-call work (wrap-up) */
  wrapUpSeconds: number;
  /** time Away in the window per break reason id ("none": Away with no reason) — adherence data */
  breakSeconds: Record<string, number>;
}

/** Offered volume by the organisation's weekday (1 = Monday … 7 = Sunday, ISO) and hour (0–23). */
export interface HeatmapCell {
  weekday: number;
  hour: number;
  offered: number;
  /** offered ÷ the number of such weekday-hours in the window: arrivals per hour, the Erlang C input */
  perHour: number;
}

/** Cases created in the window per type or per tag (complaints and what customers ask about). */
export interface BreakdownRow {
  key: string;
  cases: number;
  solved: number;
  /** by disposition: the disposition's id (null: cases given none) */
  id?: number | null;
}

/** One row of a drill-down list or the one-row-per-case export. */
export interface ReportCaseRow {
  caseId: number;
  number: number;
  subject: string;
  channel: string;
  type: string;
  status: string;
  queue: string | null;
  agent: string | null;
  tags: string[];
  /** the disposition's code */
  disposition: string | null;
  createdAt: string;
  queuedAt: string | null;
  acceptedAt: string | null;
  waitSeconds: number | null;
  abandoned: boolean;
  firstResponseAt: string | null;
  solvedAt: string | null;
  reopened: boolean;
  csat: number | null;
}
