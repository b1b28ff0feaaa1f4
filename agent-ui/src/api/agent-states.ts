// Agent states: break reasons (Away), dispositions (wrap-up codes) — routes/api/agent-states and routes/api/admin/agent-states.
import { get, http, patch, post } from './http';
import type { BreakReason, BreakReasonBody, CaseDisposition, Disposition, DispositionBody } from '../../../server/src/contracts/agent-states';

export type { BreakReason, BreakReasonBody, CaseDisposition, Disposition, DispositionBody };

const A = '/api/v1/admin';
export const agentStatesApi = {
  /** the active break reasons an agent going Away may name */
  breakReasons: () => get<BreakReason[]>('/api/v1/break-reasons'),
  caseDisposition: (caseId: number) => get<CaseDisposition>(`/api/v1/cases/${caseId}/disposition`),
  setCaseDisposition: (caseId: number, dispositionId: number | null) => http<CaseDisposition>('PUT', `/api/v1/cases/${caseId}/disposition`, { dispositionId }),
  admin: {
    breakReasons: () => get<BreakReason[]>(`${A}/break-reasons`),
    createBreakReason: (b: BreakReasonBody) => post<BreakReason>(`${A}/break-reasons`, b),
    updateBreakReason: (id: number, b: Partial<BreakReasonBody>) => patch<BreakReason>(`${A}/break-reasons/${id}`, b),
    dispositions: () => get<Disposition[]>(`${A}/dispositions`),
    createDisposition: (b: DispositionBody) => post<Disposition>(`${A}/dispositions`, b),
    updateDisposition: (id: number, b: Partial<DispositionBody>) => patch<Disposition>(`${A}/dispositions/${id}`, b),
  },
};

let breakReasonsRead: Promise<BreakReason[]> | null = null;
/** The break reasons, read once per page (the wallboard names each Away agent's reason). */
export function breakReasonsOnce(): Promise<BreakReason[]> {
  breakReasonsRead ??= agentStatesApi.breakReasons().catch((err) => {
    breakReasonsRead = null;
    throw err;
  });
  return breakReasonsRead;
}

/** A break reason's or disposition's name in the screen's language. */
export const labelOf = (x: { nameEn?: string; nameFa?: string; labelEn?: string; labelFa?: string }, locale: string): string =>
  (locale === 'fa' ? (x.nameFa ?? x.labelFa) : (x.nameEn ?? x.labelEn)) ?? '';
