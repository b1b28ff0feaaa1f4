import { http } from './http';
import type { AgentReportRow, BreakdownRow, HeatmapCell, ReportCaseRow, ReportOptions, ReportSummary, VolumeRow } from '../../../server/src/contracts/kpi';

export type { AgentReportRow, BreakdownRow, HeatmapCell, ReportCaseRow, ReportOptions, ReportSummary, VolumeRow };

export interface ReportFilters {
  from: string;
  to: string;
  queueId?: number;
  channel?: string;
  agentId?: number;
  caseType?: string;
  tag?: string;
  dispositionId?: number;
  fcrDays?: number;
}

export type DrillMetric = 'offered' | 'answered' | 'within' | 'abandoned' | 'created' | 'responded' | 'solved' | 'fcr' | 'reopened' | 'handled' | 'rated' | 'satisfied';
export interface Drill {
  metric: DrillMetric;
  weekday?: number;
  hour?: number;
  /** narrows the window (a chart bucket) or the filters (an agent row, a type or tag row) */
  from?: string;
  to?: string;
  agentId?: number;
  channel?: string;
  caseType?: string;
  tag?: string;
  dispositionId?: number;
}

type Params = Record<string, string | number | undefined>;
export const reportQuery = (o: Params) =>
  new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString();

export const reportsApi = {
  options: () => http<ReportOptions>('GET', '/api/v1/reports/options'),
  summary: (f: ReportFilters) => http<ReportSummary>('GET', `/api/v1/reports/summary?${reportQuery({ ...f })}`),
  volume: (f: ReportFilters, bucket: 'hour' | 'day') => http<VolumeRow[]>('GET', `/api/v1/reports/volume?${reportQuery({ ...f, bucket })}`),
  agents: (f: ReportFilters) => http<AgentReportRow[]>('GET', `/api/v1/reports/agents?${reportQuery({ ...f })}`),
  heatmap: (f: ReportFilters) => http<HeatmapCell[]>('GET', `/api/v1/reports/heatmap?${reportQuery({ ...f })}`),
  breakdown: (f: ReportFilters, by: 'type' | 'tag' | 'disposition') => http<BreakdownRow[]>('GET', `/api/v1/reports/breakdown?${reportQuery({ ...f, by })}`),
  cases: (f: ReportFilters, d: Drill) => http<ReportCaseRow[]>('GET', `/api/v1/reports/cases?${reportQuery({ ...f, ...d, limit: 200 })}`),
  /** the address of a table's CSV (a download link: the browser sends the session cookie) */
  csvUrl: (path: string, f: ReportFilters, extra: Params = {}) => `/api/v1/reports/${path}?${reportQuery({ ...f, ...extra, format: 'csv' })}`,
};
