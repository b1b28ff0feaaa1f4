/**
 * Every staff API route (/api/v1/…) and what it takes to call it. plugins/access.ts applies these rules
 * before a request is validated, so an anonymous caller is told 401 whatever it sent. A /api/v1 route
 * missing here is refused to everyone (fail closed) and fails the role × route matrix test.
 */
import type { AgentRole } from '../contracts/vocabulary.js';
import type { CaseNeed } from './policy.js';

/** Where a request names the resource it acts on. */
export type Ref = { in: 'params' | 'query' | 'body'; key: string };

export type RouteRule =
  /** No staff session needed: the route has its own authentication (API key) or none (sign-in). */
  | { public: true }
  /** A signed-in staff member with at least this role. */
  | { role: AgentRole; case?: { ref: Ref; need: CaseNeed }; customer?: Ref; call?: Ref; recording?: Ref };

const id: Ref = { in: 'params', key: 'id' };
const staff = (extra: Omit<Extract<RouteRule, { role: AgentRole }>, 'role'> = {}): RouteRule => ({ role: 'agent', ...extra });
const supervisor: RouteRule = { role: 'supervisor' };
const admin: RouteRule = { role: 'admin' };
const caseRead: RouteRule = staff({ case: { ref: id, need: 'read' } });
const caseChange: RouteRule = staff({ case: { ref: id, need: 'change' } });
const customerRead: RouteRule = staff({ customer: id });

export const ROUTE_RULES: Record<string, RouteRule> = {
  'POST /api/v1/auth/login': { public: true },
  'POST /api/v1/auth/logout': { public: true },
  'POST /api/v1/auth/forgot-password': { public: true },
  'GET /api/v1/auth/me': staff(),
  'POST /api/v1/auth/password': staff(),
  'GET /api/v1/auth/profile': staff(),
  'PATCH /api/v1/auth/profile': staff(),
  'GET /api/v1/workspace/session': { public: true },

  'GET /api/v1/admin/agents': supervisor,
  'POST /api/v1/admin/agents': admin,
  // supervisors edit agents and supervisors, not admins (checked against the target in the route)
  'PATCH /api/v1/admin/agents/:id': supervisor,
  // the link goes to the person's own address; roles and passwords are for admins
  'POST /api/v1/admin/agents/:id/password-reset': admin,
  'GET /api/v1/admin/queues': supervisor,
  'POST /api/v1/admin/queues': admin,
  'PATCH /api/v1/admin/queues/:id': admin,
  // break reasons and dispositions: supervisors read them (reports, wallboard), admins define them
  'GET /api/v1/admin/break-reasons': supervisor,
  'POST /api/v1/admin/break-reasons': admin,
  'PATCH /api/v1/admin/break-reasons/:id': admin,
  'GET /api/v1/admin/dispositions': supervisor,
  'POST /api/v1/admin/dispositions': admin,
  'PATCH /api/v1/admin/dispositions/:id': admin,
  'GET /api/v1/break-reasons': staff(),
  'GET /api/v1/admin/api-keys': admin,
  'POST /api/v1/admin/api-keys': admin,
  'DELETE /api/v1/admin/api-keys/:id': admin,
  'GET /api/v1/admin/audit': admin,
  'GET /api/v1/admin/outbox': supervisor,
  'GET /api/v1/admin/mailboxes': admin,
  'POST /api/v1/admin/mailboxes': admin,
  'GET /api/v1/admin/mailboxes/:id': admin,
  'PATCH /api/v1/admin/mailboxes/:id': admin,
  'DELETE /api/v1/admin/mailboxes/:id': admin,
  'POST /api/v1/admin/mailboxes/:id/test': admin,
  'GET /api/v1/admin/settings': admin,
  'PUT /api/v1/admin/settings': admin,
  'GET /api/v1/admin/customer-notices': admin,
  'PUT /api/v1/admin/customer-notices/settings': admin,
  'PUT /api/v1/admin/customer-notices/templates/:event/:language': admin,
  'DELETE /api/v1/admin/customer-notices/templates/:event/:language': admin,
  'POST /api/v1/admin/customer-notices/preview': admin,
  // supervisors see opening hours (they plan shifts by them); changing them is queue set-up, for admins
  'GET /api/v1/admin/business-hours': supervisor,
  'PUT /api/v1/admin/business-hours': admin,
  'DELETE /api/v1/admin/business-hours/:id': admin,
  // automation rules and outbound webhooks change what happens to every case and where case data goes
  'GET /api/v1/admin/automation-rules': admin,
  'POST /api/v1/admin/automation-rules': admin,
  'PUT /api/v1/admin/automation-rules/:id': admin,
  'DELETE /api/v1/admin/automation-rules/:id': admin,
  'POST /api/v1/admin/automation-rules/order': admin,
  'GET /api/v1/admin/webhooks': admin,
  'POST /api/v1/admin/webhooks': admin,
  'PUT /api/v1/admin/webhooks/:id': admin,
  'DELETE /api/v1/admin/webhooks/:id': admin,
  'POST /api/v1/admin/webhooks/:id/secret': admin,
  'POST /api/v1/admin/webhooks/:id/test': admin,
  'GET /api/v1/admin/webhooks/:id/deliveries': admin,
  'POST /api/v1/admin/webhooks/deliveries/:id/replay': admin,
  'GET /api/v1/admin/sla-policies': supervisor,
  'POST /api/v1/admin/sla-policies': admin,
  'PUT /api/v1/admin/sla-policies/:id': admin,
  'DELETE /api/v1/admin/sla-policies/:id': admin,
  'GET /api/v1/admin/phone-numbers': admin,
  'GET /api/v1/admin/phone-numbers/providers': admin,
  'POST /api/v1/admin/phone-numbers': admin,
  'PUT /api/v1/admin/phone-numbers/:id': admin,
  'DELETE /api/v1/admin/phone-numbers/:id': admin,
  'GET /api/v1/admin/phone-numbers/:id/prompts': admin,
  'PUT /api/v1/admin/phone-numbers/:id/prompts/:lang/:key': admin,
  'DELETE /api/v1/admin/phone-numbers/:id/prompts/:lang/:key': admin,

  // lists are filtered to what the caller may read
  'GET /api/v1/cases': staff(),
  'GET /api/v1/cases/:id': caseRead,
  // priority needs the holder or a supervisor (checked in the route with the body)
  'PATCH /api/v1/cases/:id': caseRead,
  'POST /api/v1/cases/:id/read': caseRead,
  'GET /api/v1/cases/:id/timeline': caseRead,
  'GET /api/v1/cases/:id/attachments/:attachmentId': caseRead,
  'POST /api/v1/cases/:id/messages': caseRead,
  'POST /api/v1/cases/:id/status': caseChange,
  'GET /api/v1/cases/:id/disposition': caseRead,
  'PUT /api/v1/cases/:id/disposition': caseChange,
  'GET /api/v1/cases/:id/sla': caseRead,
  'POST /api/v1/cases/:id/snooze': caseChange,
  'POST /api/v1/cases/:id/transfer': caseChange,
  'POST /api/v1/cases/:id/links': caseRead,
  'DELETE /api/v1/cases/:id/links/:otherId': caseRead,
  'POST /api/v1/cases/:id/merge': caseChange,
  // each selected case is checked in the route (read for tags/type, change for the rest) and answered per case
  'POST /api/v1/cases/bulk': staff(),
  'POST /api/v1/cases/:id/split': caseChange,
  // a macro that changes status, priority or assignment needs the holder or a supervisor (checked in the route)
  'POST /api/v1/cases/:id/macros/:macroId': caseRead,

  // views and macros are listed as the caller may use them; sharing one needs a supervisor (checked in the route)
  'GET /api/v1/views': staff(),
  'POST /api/v1/views': staff(),
  'POST /api/v1/views/query': staff(),
  'PATCH /api/v1/views/:id': staff(),
  'DELETE /api/v1/views/:id': staff(),
  'GET /api/v1/macros': staff(),
  'POST /api/v1/macros': staff(),
  'PUT /api/v1/macros/:id': staff(),
  'DELETE /api/v1/macros/:id': staff(),

  'GET /api/v1/customers/:id': customerRead,
  'PATCH /api/v1/customers/:id': customerRead,
  'GET /api/v1/customers/:id/timeline': customerRead,
  'POST /api/v1/customers/:id/identities': customerRead,
  'DELETE /api/v1/customers/:id/identities/:identityId': customerRead,
  'POST /api/v1/customers/:id/merge': supervisor,

  'GET /api/v1/voice/token': staff(),
  'GET /api/v1/voice/status': staff(),
  'POST /api/v1/voice/calls': staff({ case: { ref: { in: 'body', key: 'caseId' }, need: 'read' } }),
  'GET /api/v1/voice/calls': staff({ case: { ref: { in: 'query', key: 'caseId' }, need: 'read' } }),
  'GET /api/v1/voice/calls/:id': staff({ call: id }),
  // the agent on the call or a supervisor (checked in the route)
  'POST /api/v1/voice/calls/:id/transfer': staff({ call: id }),
  'GET /api/v1/voice/calls/live': supervisor,
  'POST /api/v1/voice/calls/:id/monitor': { role: 'supervisor', call: id },
  'DELETE /api/v1/voice/calls/:id/monitor': { role: 'supervisor', call: id },
  'GET /api/v1/voice/recordings/:sid': staff({ recording: { in: 'params', key: 'sid' } }),

  'GET /api/v1/kpi/summary': supervisor,
  'GET /api/v1/kpi/timeseries': supervisor,
  'GET /api/v1/kpi/occupancy': supervisor,
  'GET /api/v1/kpi/staffing': supervisor,
  'GET /api/v1/kpi/sla': supervisor,
  'GET /api/v1/kpi/sla/breaches': supervisor,
  'GET /api/v1/reports/options': supervisor,
  'GET /api/v1/reports/summary': supervisor,
  'GET /api/v1/reports/volume': supervisor,
  'GET /api/v1/reports/agents': supervisor,
  'GET /api/v1/reports/heatmap': supervisor,
  'GET /api/v1/reports/breakdown': supervisor,
  'GET /api/v1/reports/cases': supervisor,

  'GET /api/v1/search': staff(),
  'GET /api/v1/search/agents': staff(),
  'GET /api/v1/search/queues': staff(),
  'GET /api/v1/canned-responses': staff(),
  'POST /api/v1/canned-responses': staff(),
  'DELETE /api/v1/canned-responses/:id': staff(),
  'GET /api/v1/notifications': staff(),
  'POST /api/v1/notifications/:id/read': staff(),
  'POST /api/v1/notifications/read-all': staff(),

  // drafts by anyone on the staff; publishing needs a supervisor (checked in the route with the body)
  'GET /api/v1/kb/articles': staff(),
  'POST /api/v1/kb/articles': staff(),
  'GET /api/v1/kb/articles/:id': staff(),
  'PATCH /api/v1/kb/articles/:id': staff(),
  'DELETE /api/v1/kb/articles/:id': supervisor,

  'GET /api/v1/queues': staff(),
  'GET /api/v1/agents/me/offers': staff(),
  'POST /api/v1/offers/:id/accept': staff(),
  'POST /api/v1/offers/:id/decline': staff(),
  'GET /api/v1/agents/me/presence': staff(),
  'PUT /api/v1/agents/me/presence': staff(),

  'POST /api/v1/supervisor/cases/:id/assign': supervisor,
  'POST /api/v1/supervisor/cases/:id/transfer': supervisor,
  'POST /api/v1/supervisor/cases/:id/unassign': supervisor,
  'PUT /api/v1/supervisor/agents/:id/presence': supervisor,
  'GET /api/v1/supervisor/stats': supervisor,

  // API-key authenticated (integrations), not staff sessions
  'POST /api/v1/inbound': { public: true },
};

/** Routes under this prefix must have a rule. */
export const STAFF_API_PREFIX = '/api/v1/';
