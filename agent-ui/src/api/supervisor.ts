import { http } from './http';

export interface QueueStats {
  queueId: number | null;
  name: string;
  waiting: number;
  offered: number;
  assigned: number;
  oldestWaitingSeconds: number;
  availableAgents: number;
}

export interface AgentStats {
  agentId: number;
  name: string;
  presence: 'available' | 'away' | 'offline';
  busy: boolean;
  load: Record<string, string>;
  pendingOffers: number;
  presenceSince: string;
}

export interface KpiSummary {
  offered: number;
  answered: number;
  answeredWithinThreshold: number;
  abandoned: number;
  serviceLevel: number | null;
  abandonmentRate: number | null;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
  csat: number | null;
  csatResponses: number;
}

export interface KpiPoint {
  bucket: string;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevel: number | null;
  asaSeconds: number | null;
}

export interface Staffing {
  trafficErlangs: number;
  agents: number | null;
  table: { agents: number; serviceLevel: number; asaSeconds: number; occupancy: number }[];
}

export interface Occupancy {
  occupancy: number | null;
  agents: { agentId: number; name: string; busySeconds: number; staffedSeconds: number; occupancy: number | null }[];
}

export interface KpiWindow {
  from: string;
  to: string;
  channel?: string;
  queueId?: number;
}

const qs = (o: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString();

export const supervisorApi = {
  stats: () => http<{ at: string; queues: QueueStats[]; agents: AgentStats[] }>('GET', '/api/v1/supervisor/stats'),
  summary: (w: KpiWindow) => http<KpiSummary>('GET', `/api/v1/kpi/summary?${qs({ ...w })}`),
  series: (w: KpiWindow & { bucket: 'hour' | 'day' }) => http<KpiPoint[]>('GET', `/api/v1/kpi/timeseries?${qs({ ...w })}`),
  occupancy: (w: { from: string; to: string }) => http<Occupancy>('GET', `/api/v1/kpi/occupancy?${qs({ ...w })}`),
  staffing: (p: { arrivalsPerHour: number; ahtSeconds: number; targetServiceLevel: number; thresholdSeconds: number }) =>
    http<Staffing>('GET', `/api/v1/kpi/staffing?${qs(p)}`),
};
