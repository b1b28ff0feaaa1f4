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
}

export interface KpiPoint {
  bucket: string;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevel: number | null;
  asaSeconds: number | null;
}
