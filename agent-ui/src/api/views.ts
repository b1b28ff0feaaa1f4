import { del, get, post, http } from './http';
import type { BulkAction, BulkResult, CaseFilter, CaseSort, CaseView, CaseViewEntry, Macro, MacroBody } from './types';

// Case views, bulk actions, macros and split (server/src/routes/api/views).
export const viewsApi = {
  list: () => get<{ views: CaseViewEntry[] }>('/api/v1/views'),
  query: (body: { key?: string; filter?: CaseFilter; sort?: CaseSort; limit?: number; offset?: number }) => post<{ cases: CaseView[]; count: number }>('/api/v1/views/query', body),
  create: (body: { name: string; shared?: boolean; filter: CaseFilter; sort?: CaseSort }) => post<CaseViewEntry>('/api/v1/views', body),
  update: (id: number, body: { name?: string; shared?: boolean; filter?: CaseFilter; sort?: CaseSort }) => http<CaseViewEntry>('PATCH', `/api/v1/views/${id}`, body),
  remove: (id: number) => del<{ ok: boolean }>(`/api/v1/views/${id}`),
  bulk: (caseIds: number[], action: BulkAction) => post<BulkResult>('/api/v1/cases/bulk', { caseIds, action }),
};

export const macrosApi = {
  list: () => get<{ macros: Macro[] }>('/api/v1/macros'),
  create: (body: MacroBody) => post<Macro>('/api/v1/macros', body),
  update: (id: number, body: MacroBody) => http<Macro>('PUT', `/api/v1/macros/${id}`, body),
  remove: (id: number) => del<{ ok: boolean }>(`/api/v1/macros/${id}`),
  run: (caseId: number, macroId: number) => post<{ interactionId: number | null; replyError: string | null }>(`/api/v1/cases/${caseId}/macros/${macroId}`),
};

export const splitApi = {
  split: (caseId: number, interactionId: number, subject?: string) => post<{ caseId: number; number: number; fromCaseId: number }>(`/api/v1/cases/${caseId}/split`, { interactionId, subject }),
};
