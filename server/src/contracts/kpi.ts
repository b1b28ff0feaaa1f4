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
    Type.Object({ agentId: Type.Integer(), name: Type.String(), busySeconds: Type.Number(), staffedSeconds: Type.Number(), occupancy: Ratio }),
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
