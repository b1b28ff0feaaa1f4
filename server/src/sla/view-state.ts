/**
 * A case's SLA state as the case views filter and sort by it, in SQL. The one place that decides it: when
 * SLA timers keep their own due/breached state, only these two functions change.
 *
 * Today's rule, from the due times ingest sets (sla/policy.ts): the due time is the first-response due
 * time until an agent answered, and the resolution due time in any case, whichever comes first; only
 * cases being worked on (new, open) run against it. Breached = due time passed; at risk = due within
 * `AT_RISK_MS`; on track = later; none = no running due time.
 */
import type { SlaState } from '../contracts/case-views.js';

export const AT_RISK_MS = 15 * 60_000;

/** The running due time of case row `alias` (NULL when none). */
export function slaDueSql(alias: string): string {
  return `(CASE WHEN ${alias}.status IN ('new', 'open') THEN LEAST(CASE WHEN ${alias}.first_response_at IS NULL THEN ${alias}.first_response_due_at END, ${alias}.resolution_due_at) END)`;
}

/** A condition: case row `alias` is in one of `states`; `nowParam` is the bind parameter holding the current time. */
export function slaStateSql(alias: string, states: readonly SlaState[], nowParam: string): string {
  const due = slaDueSql(alias);
  const one: Record<SlaState, string> = {
    breached: `${due} < ${nowParam}`,
    at_risk: `(${due} >= ${nowParam} AND ${due} < ${nowParam} + interval '${AT_RISK_MS / 1000} seconds')`,
    on_track: `${due} >= ${nowParam} + interval '${AT_RISK_MS / 1000} seconds'`,
    none: `${due} IS NULL`,
  };
  return `(${[...new Set(states)].map((s) => one[s]).join(' OR ')})`;
}
