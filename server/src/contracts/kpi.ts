// KPI shapes the API returns, shared with the supervisor dashboard.

export interface KpiSummary {
  offered: number;
  answered: number;
  answeredWithinThreshold: number;
  abandoned: number;
  /** answered within threshold ÷ offered (abandoned included); null when nothing was offered */
  serviceLevel: number | null;
  abandonmentRate: number | null;
  /** mean seconds from queue entry to accept */
  asaSeconds: number | null;
  /** mean handle seconds: call talk time for voice, accept → solved otherwise */
  ahtSeconds: number | null;
  /** mean seconds from case creation to the first agent reply */
  firstResponseSeconds: number | null;
  /** mean seconds from creation to solved */
  resolutionSeconds: number | null;
  /** share of 4–5 ratings among rated cases */
  csat: number | null;
  csatResponses: number;
  /** cases first solved in the window */
  solved: number;
  /** of those, the share not reopened within the FCR days (first-contact resolution); null when none */
  firstContactResolution: number | null;
}

export interface KpiPoint {
  bucket: string;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevel: number | null;
  asaSeconds: number | null;
}

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
