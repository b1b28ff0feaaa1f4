import { del, get, patch, post, qs, http } from './http';
import type {
  Agent, AgentRef, CannedResponse, CaseLink, CaseView, CustomerProfile, KbArticle, Notification, Offer, PresenceState, QueueRef, ReplyBody, SearchResults, SlaClockView, TimelinePage,
} from './types';

// One small client per resource, all in one module: the workspace talks to these endpoints only.
export const authApi = {
  login: (email: string, password: string) => post<{ token: string; expiresAt: string; agent: Agent }>('/api/v1/auth/login', { email, password }),
  forgotPassword: (email: string) => post<{ ok: true; message: string }>('/api/v1/auth/forgot-password', { email }),
  logout: () => post<{ ok: boolean }>('/api/v1/auth/logout'),
  /** signs out the member's other sessions; this one stays */
  changePassword: (currentPassword: string, newPassword: string) => post<{ ok: true }>('/api/v1/auth/password', { currentPassword, newPassword }),
  /** 200 with agent null when signed out, so the start-up check is not an error */
  session: () => http<{ agent: Agent | null; expiresAt: string | null }>('GET', '/api/v1/workspace/session', undefined, { quiet401: true }),
};

export const casesApi = {
  mine: (f: { status?: string[]; channel?: string[] } = {}) => get<{ cases: CaseView[] }>(`/api/v1/cases${qs({ view: 'mine', status: f.status, channel: f.channel })}`),
  queue: (queueId?: number | null) => get<{ cases: CaseView[] }>(`/api/v1/cases${qs({ view: 'queue', queueId })}`),
  get: (id: number) => get<{ case: CaseView; links: CaseLink[] }>(`/api/v1/cases/${id}`),
  markRead: (id: number) => post<{ ok: boolean }>(`/api/v1/cases/${id}/read`),
  timeline: (id: number, before?: string | null, limit = 30) => get<TimelinePage>(`/api/v1/cases/${id}/timeline${qs({ before, limit })}`),
  update: (id: number, body: Partial<Pick<CaseView, 'subject' | 'priority' | 'type' | 'tags'>>) => patch<{ case: CaseView }>(`/api/v1/cases/${id}`, body),
  setStatus: (id: number, body: { status: string; resolutionNote?: string; pendingUntil?: string }) => post<{ case: CaseView }>(`/api/v1/cases/${id}/status`, body),
  /** the case's SLA clocks (business minutes left as of the answer) */
  sla: (id: number) => get<{ clocks: SlaClockView[] }>(`/api/v1/cases/${id}/sla`),
  /** pending for a while (or until a time, e.g. a callback): the reminder brings it back */
  snooze: (id: number, body: { minutes?: number; until?: string }) => post<{ case: CaseView }>(`/api/v1/cases/${id}/snooze`, body),
  /** the router's transfer (keeps the case's place in line when it goes back to a queue) */
  transfer: (id: number, body: { toAgentId?: number; toQueueId?: number }) => post<{ caseId: number; assigneeId: number | null; case: CaseView }>(`/api/v1/cases/${id}/transfer`, body),
  link: (id: number, number: number) => post<{ links: CaseLink[] }>(`/api/v1/cases/${id}/links`, { number }),
  unlink: (id: number, otherId: number) => del<{ links: CaseLink[] }>(`/api/v1/cases/${id}/links/${otherId}`),
  merge: (id: number, number: number) => post<{ mergedInto: number }>(`/api/v1/cases/${id}/merge`, { number }),
  reply: (id: number, body: ReplyBody) => post<{ interactionId: number; deliveryStatus: string }>(`/api/v1/cases/${id}/messages`, body),
};

export const customersApi = {
  get: (id: number) => get<CustomerProfile>(`/api/v1/customers/${id}`),
  update: (id: number, body: Partial<Pick<CustomerProfile, 'name' | 'language' | 'tier' | 'tags' | 'notes'>>) => patch<CustomerProfile>(`/api/v1/customers/${id}`, body),
  addIdentity: (id: number, kind: string, value: string) => post<CustomerProfile>(`/api/v1/customers/${id}/identities`, { kind, value }),
  removeIdentity: (id: number, identityId: number) => del<CustomerProfile>(`/api/v1/customers/${id}/identities/${identityId}`),
  merge: (id: number, sourceId: number) => post<CustomerProfile>(`/api/v1/customers/${id}/merge`, { sourceId }),
  timeline: (id: number, before?: string | null, limit = 30) => get<TimelinePage>(`/api/v1/customers/${id}/timeline${qs({ before, limit })}`),
};

export const searchApi = {
  all: (q: string, signal?: AbortSignal) => get<SearchResults>(`/api/v1/search${qs({ q })}`, signal),
  agents: (q = '') => get<{ agents: AgentRef[] }>(`/api/v1/search/agents${qs({ q })}`),
  queues: () => get<{ queues: QueueRef[] }>('/api/v1/search/queues'),
};

export const cannedApi = {
  list: () => get<{ items: CannedResponse[] }>('/api/v1/canned-responses'),
};

export const notificationsApi = {
  list: () => get<{ items: Notification[] }>('/api/v1/notifications'),
  read: (id: number) => post<{ ok: boolean }>(`/api/v1/notifications/${id}/read`),
  readAll: () => post<{ ok: boolean }>('/api/v1/notifications/read-all'),
};

export const routingApi = {
  /** Pending offers for me, to restore the offer card after a reload or reconnect. */
  myOffers: () => get<Offer[]>('/api/v1/agents/me/offers'),
  myPresence: () => get<PresenceState>('/api/v1/agents/me/presence'),
};

export const kbApi = {
  search: (q: string, language: string, signal?: AbortSignal) => get<KbArticle[] | { items: KbArticle[] }>(`/api/v1/kb/articles${qs({ q, language, published: 'true', limit: 8 })}`, signal).then((r) => (Array.isArray(r) ? r : r.items ?? [])),
};
