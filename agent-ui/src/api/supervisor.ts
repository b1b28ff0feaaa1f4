import { http, qs } from './http';
import type { AgentStats, LiveStats, QueueStats } from '../../../server/src/contracts/views';
import type { KpiPoint, KpiSummary, Occupancy, Staffing } from '../../../server/src/contracts/kpi';

export type { AgentStats, KpiPoint, KpiSummary, LiveStats, Occupancy, QueueStats, Staffing };

export interface KpiWindow {
  from: string;
  to: string;
  channel?: string;
  queueId?: number;
}

export type { SlaBreachRow, SlaMetRow } from '../../../server/src/contracts/sla';
import type { SlaBreachRow, SlaMetRow } from '../../../server/src/contracts/sla';

export const supervisorApi = {
  slaMet: (w: { from: string; to: string; by: 'policy' | 'queue' | 'agent' }) => http<{ rows: SlaMetRow[] }>('GET', `/api/v1/kpi/sla${qs({ ...w })}`),
  slaBreaches: (w: { from: string; to: string }) => http<{ cases: SlaBreachRow[] }>('GET', `/api/v1/kpi/sla/breaches${qs({ ...w })}`),
  stats: () => http<LiveStats>('GET', '/api/v1/supervisor/stats'),
  summary: (w: KpiWindow) => http<KpiSummary>('GET', `/api/v1/kpi/summary${qs({ ...w })}`),
  series: (w: KpiWindow & { bucket: 'hour' | 'day' }) => http<KpiPoint[]>('GET', `/api/v1/kpi/timeseries${qs({ ...w })}`),
  occupancy: (w: { from: string; to: string }) => http<Occupancy>('GET', `/api/v1/kpi/occupancy${qs({ ...w })}`),
  staffing: (p: { arrivalsPerHour: number; ahtSeconds: number; targetServiceLevel: number; thresholdSeconds: number }) =>
    http<Staffing>('GET', `/api/v1/kpi/staffing${qs(p)}`),
};
