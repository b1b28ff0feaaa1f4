/**
 * The access policy as a table: for every route in the OpenAPI document, what each kind of caller gets.
 * The role × route test (tests/integration/access-matrix.test.ts) calls every route as every caller and
 * holds the answers to this table; the README's "Access policy" table is generated from it
 * (`npm run access-table`) and a test keeps the two equal. A route missing here fails that test.
 *
 * The callers, against one case C in queue Q (customer K) and what hangs off it (its attachment, call,
 * recording, customer, identities):
 *   anonymous        no credentials
 *   visitor          a chat visitor's token (a different person than K)
 *   portal           a portal customer's session (a different customer than K)
 *   member           an agent in queue Q
 *   otherQueue       an agent in another queue only
 *   assignee         the agent holding C (not a member of Q)
 *   supervisor, admin
 * Answers: 'ok' (allowed: the route did its work or refused the input itself), 401 (sign in first),
 * 403 (signed in, but not allowed), 404 (not theirs: answered exactly like a missing resource).
 */

export const CALLERS = ['anonymous', 'visitor', 'portal', 'member', 'otherQueue', 'assignee', 'supervisor', 'admin'] as const;
export type Caller = (typeof CALLERS)[number];
export type Answer = 'ok' | 401 | 403 | 404;
export type Row = Record<Caller, Answer>;

export const CALLER_LABELS: Record<Caller, string> = {
  anonymous: 'Anonymous',
  visitor: 'Chat visitor',
  portal: 'Portal customer',
  member: 'Agent in the case’s queue',
  otherQueue: 'Agent in another queue',
  assignee: 'Agent holding the case',
  supervisor: 'Supervisor',
  admin: 'Admin',
};

const row = (...a: Answer[]): Row => Object.fromEntries(CALLERS.map((c, i) => [c, a[i]])) as Row;

/** Anyone (routes with their own or no authentication, e.g. sign-in, health, public help articles). */
const EVERYONE = row('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok');
/** Any signed-in staff member. */
const STAFF = row(401, 401, 401, 'ok', 'ok', 'ok', 'ok', 'ok');
const SUPERVISORS = row(401, 401, 401, 403, 403, 403, 'ok', 'ok');
const ADMINS = row(401, 401, 401, 403, 403, 403, 403, 'ok');
/** Reading or working on case C (or its customer, calls, recordings): queue members, the holder, supervisors. */
const CASE_READ = row(401, 401, 401, 'ok', 404, 'ok', 'ok', 'ok');
/** Changing status or assignment of case C, merging it: the holder or a supervisor. */
const CASE_CHANGE = row(401, 401, 401, 403, 404, 'ok', 'ok', 'ok');
/** The signed-in portal customer's own things. */
const PORTAL_OWN = row(401, 401, 'ok', 401, 401, 401, 401, 401);
/** A portal route naming case C or its attachment, which belong to another customer. */
const PORTAL_OTHERS = row(401, 401, 404, 401, 401, 401, 401, 401);
/** The chat visitor's own conversation. */
const VISITOR_OWN = row(401, 'ok', 401, 401, 401, 401, 401, 401);
/** A chat attachment of someone else's conversation. */
const VISITOR_OTHERS = row(401, 404, 401, 401, 401, 401, 401, 401);
/** Integrations with an API key or a signed webhook; no session of any kind is enough. */
const API_KEY = row(401, 401, 401, 401, 401, 401, 401, 401);

export const ACCESS_MATRIX: Record<string, Row> = {
  'GET /healthz': EVERYONE,
  'GET /readyz': EVERYONE,

  'POST /api/v1/auth/login': EVERYONE,
  'POST /api/v1/auth/logout': EVERYONE,
  'POST /api/v1/auth/forgot-password': EVERYONE,
  'GET /api/v1/auth/me': STAFF,
  'POST /api/v1/auth/password': STAFF,
  'GET /api/v1/auth/profile': STAFF,
  'PATCH /api/v1/auth/profile': STAFF,
  'GET /api/v1/workspace/session': EVERYONE,

  'GET /api/v1/admin/agents': SUPERVISORS,
  'POST /api/v1/admin/agents': ADMINS,
  'PATCH /api/v1/admin/agents/{id}': SUPERVISORS,
  'POST /api/v1/admin/agents/{id}/password-reset': ADMINS,
  'GET /api/v1/admin/queues': SUPERVISORS,
  'POST /api/v1/admin/queues': ADMINS,
  'PATCH /api/v1/admin/queues/{id}': ADMINS,
  'GET /api/v1/admin/break-reasons': SUPERVISORS,
  'POST /api/v1/admin/break-reasons': ADMINS,
  'PATCH /api/v1/admin/break-reasons/{id}': ADMINS,
  'GET /api/v1/admin/dispositions': SUPERVISORS,
  'POST /api/v1/admin/dispositions': ADMINS,
  'PATCH /api/v1/admin/dispositions/{id}': ADMINS,
  'GET /api/v1/break-reasons': STAFF,
  'GET /api/v1/admin/api-keys': ADMINS,
  'POST /api/v1/admin/api-keys': ADMINS,
  'DELETE /api/v1/admin/api-keys/{id}': ADMINS,
  'GET /api/v1/admin/audit': ADMINS,
  'GET /api/v1/admin/outbox': SUPERVISORS,
  'GET /api/v1/admin/mailboxes': ADMINS,
  'POST /api/v1/admin/mailboxes': ADMINS,
  'GET /api/v1/admin/mailboxes/{id}': ADMINS,
  'PATCH /api/v1/admin/mailboxes/{id}': ADMINS,
  'DELETE /api/v1/admin/mailboxes/{id}': ADMINS,
  'POST /api/v1/admin/mailboxes/{id}/test': ADMINS,
  'GET /api/v1/admin/settings': ADMINS,
  'PUT /api/v1/admin/settings': ADMINS,
  'GET /api/v1/admin/customer-notices': ADMINS,
  'PUT /api/v1/admin/customer-notices/settings': ADMINS,
  'PUT /api/v1/admin/customer-notices/templates/{event}/{language}': ADMINS,
  'DELETE /api/v1/admin/customer-notices/templates/{event}/{language}': ADMINS,
  'POST /api/v1/admin/customer-notices/preview': ADMINS,
  'GET /api/v1/admin/business-hours': SUPERVISORS,
  'PUT /api/v1/admin/business-hours': ADMINS,
  'DELETE /api/v1/admin/business-hours/{id}': ADMINS,
  'GET /api/v1/admin/automation-rules': ADMINS,
  'POST /api/v1/admin/automation-rules': ADMINS,
  'PUT /api/v1/admin/automation-rules/{id}': ADMINS,
  'DELETE /api/v1/admin/automation-rules/{id}': ADMINS,
  'POST /api/v1/admin/automation-rules/order': ADMINS,
  'GET /api/v1/admin/webhooks': ADMINS,
  'POST /api/v1/admin/webhooks': ADMINS,
  'PUT /api/v1/admin/webhooks/{id}': ADMINS,
  'DELETE /api/v1/admin/webhooks/{id}': ADMINS,
  'POST /api/v1/admin/webhooks/{id}/secret': ADMINS,
  'POST /api/v1/admin/webhooks/{id}/test': ADMINS,
  'GET /api/v1/admin/webhooks/{id}/deliveries': ADMINS,
  'POST /api/v1/admin/webhooks/deliveries/{id}/replay': ADMINS,
  'GET /api/v1/admin/sla-policies': SUPERVISORS,
  'POST /api/v1/admin/sla-policies': ADMINS,
  'PUT /api/v1/admin/sla-policies/{id}': ADMINS,
  'DELETE /api/v1/admin/sla-policies/{id}': ADMINS,
  'GET /api/v1/admin/phone-numbers': ADMINS,
  'GET /api/v1/admin/phone-numbers/providers': ADMINS,
  'POST /api/v1/admin/phone-numbers': ADMINS,
  'PUT /api/v1/admin/phone-numbers/{id}': ADMINS,
  'DELETE /api/v1/admin/phone-numbers/{id}': ADMINS,
  'GET /api/v1/admin/phone-numbers/{id}/prompts': ADMINS,
  'PUT /api/v1/admin/phone-numbers/{id}/prompts/{lang}/{key}': ADMINS,
  'DELETE /api/v1/admin/phone-numbers/{id}/prompts/{lang}/{key}': ADMINS,

  'GET /api/v1/cases': STAFF,
  'GET /api/v1/cases/{id}': CASE_READ,
  'PATCH /api/v1/cases/{id}': CASE_READ,
  'POST /api/v1/cases/{id}/read': CASE_READ,
  'GET /api/v1/cases/{id}/timeline': CASE_READ,
  'GET /api/v1/cases/{id}/attachments/{attachmentId}': CASE_READ,
  'POST /api/v1/cases/{id}/messages': CASE_READ,
  'POST /api/v1/cases/{id}/status': CASE_CHANGE,
  'GET /api/v1/cases/{id}/disposition': CASE_READ,
  'PUT /api/v1/cases/{id}/disposition': CASE_CHANGE,
  'GET /api/v1/cases/{id}/sla': CASE_READ,
  'POST /api/v1/cases/{id}/snooze': CASE_CHANGE,
  'POST /api/v1/cases/{id}/transfer': CASE_CHANGE,
  'POST /api/v1/cases/{id}/links': CASE_READ,
  'DELETE /api/v1/cases/{id}/links/{otherId}': CASE_READ,
  'POST /api/v1/cases/{id}/merge': CASE_CHANGE,
  'POST /api/v1/cases/bulk': STAFF,
  'POST /api/v1/cases/{id}/split': CASE_CHANGE,
  'POST /api/v1/cases/{id}/macros/{macroId}': CASE_READ,

  'GET /api/v1/views': STAFF,
  'POST /api/v1/views': STAFF,
  'POST /api/v1/views/query': STAFF,
  'PATCH /api/v1/views/{id}': STAFF,
  'DELETE /api/v1/views/{id}': STAFF,
  'GET /api/v1/macros': STAFF,
  'POST /api/v1/macros': STAFF,
  'PUT /api/v1/macros/{id}': STAFF,
  'DELETE /api/v1/macros/{id}': STAFF,

  'GET /api/v1/customers/{id}': CASE_READ,
  'PATCH /api/v1/customers/{id}': CASE_READ,
  'GET /api/v1/customers/{id}/timeline': CASE_READ,
  'POST /api/v1/customers/{id}/identities': CASE_READ,
  'DELETE /api/v1/customers/{id}/identities/{identityId}': CASE_READ,
  'POST /api/v1/customers/{id}/merge': SUPERVISORS,

  'GET /api/v1/voice/token': STAFF,
  'GET /api/v1/voice/status': STAFF,
  'POST /api/v1/voice/calls': CASE_READ,
  'GET /api/v1/voice/calls': CASE_READ,
  'GET /api/v1/voice/calls/{id}': CASE_READ,
  'POST /api/v1/voice/calls/{id}/transfer': CASE_READ,
  'GET /api/v1/voice/calls/live': SUPERVISORS,
  'POST /api/v1/voice/calls/{id}/monitor': SUPERVISORS,
  'DELETE /api/v1/voice/calls/{id}/monitor': SUPERVISORS,
  'GET /api/v1/voice/recordings/{sid}': CASE_READ,

  'GET /api/v1/kpi/summary': SUPERVISORS,
  'GET /api/v1/kpi/timeseries': SUPERVISORS,
  'GET /api/v1/kpi/occupancy': SUPERVISORS,
  'GET /api/v1/kpi/staffing': SUPERVISORS,
  'GET /api/v1/kpi/sla': SUPERVISORS,
  'GET /api/v1/kpi/sla/breaches': SUPERVISORS,
  'GET /api/v1/reports/options': SUPERVISORS,
  'GET /api/v1/reports/summary': SUPERVISORS,
  'GET /api/v1/reports/volume': SUPERVISORS,
  'GET /api/v1/reports/agents': SUPERVISORS,
  'GET /api/v1/reports/heatmap': SUPERVISORS,
  'GET /api/v1/reports/breakdown': SUPERVISORS,
  'GET /api/v1/reports/cases': SUPERVISORS,

  'GET /api/v1/search': STAFF,
  'GET /api/v1/search/agents': STAFF,
  'GET /api/v1/search/queues': STAFF,
  'GET /api/v1/canned-responses': STAFF,
  'POST /api/v1/canned-responses': STAFF,
  'DELETE /api/v1/canned-responses/{id}': STAFF,
  'GET /api/v1/notifications': STAFF,
  'POST /api/v1/notifications/{id}/read': STAFF,
  'POST /api/v1/notifications/read-all': STAFF,

  'GET /api/v1/kb/articles': STAFF,
  'POST /api/v1/kb/articles': STAFF,
  'GET /api/v1/kb/articles/{id}': STAFF,
  'PATCH /api/v1/kb/articles/{id}': STAFF,
  'DELETE /api/v1/kb/articles/{id}': SUPERVISORS,

  'GET /api/v1/queues': STAFF,
  'GET /api/v1/agents/me/offers': STAFF,
  'POST /api/v1/offers/{id}/accept': STAFF,
  'POST /api/v1/offers/{id}/decline': STAFF,
  'GET /api/v1/agents/me/presence': STAFF,
  'PUT /api/v1/agents/me/presence': STAFF,

  'POST /api/v1/supervisor/cases/{id}/assign': SUPERVISORS,
  'POST /api/v1/supervisor/cases/{id}/transfer': SUPERVISORS,
  'POST /api/v1/supervisor/cases/{id}/unassign': SUPERVISORS,
  'PUT /api/v1/supervisor/agents/{id}/presence': SUPERVISORS,
  'GET /api/v1/supervisor/stats': SUPERVISORS,

  'POST /api/v1/inbound': API_KEY,
  'POST /webhooks/email/mime': API_KEY,

  'GET /widget/api/status': EVERYONE,
  'POST /widget/api/visitors': EVERYONE,
  'PATCH /widget/api/visitor': VISITOR_OWN,
  'GET /widget/api/conversation': VISITOR_OWN,
  'POST /widget/api/messages': VISITOR_OWN,
  'GET /widget/api/attachments/{id}': VISITOR_OTHERS,
  'POST /widget/api/offline-messages': EVERYONE,
  // the confirmation link's token is the credential; a wrong or spent one is the route's own 4xx
  'GET /widget/transcripts/confirm': EVERYONE,
  'POST /widget/transcripts/confirm': EVERYONE,

  'POST /portal/api/auth/magic-link': EVERYONE,
  'GET /portal/auth/verify': EVERYONE,
  'POST /portal/auth/verify': EVERYONE,
  // the CSAT link's token is the credential; a wrong or expired one is the route's own 404 page
  'GET /portal/csat/{token}': EVERYONE,
  'POST /portal/csat/{token}': EVERYONE,
  'POST /portal/api/auth/sms-code': EVERYONE,
  'POST /portal/api/auth/sms-code/verify': EVERYONE,
  'POST /portal/api/auth/logout': EVERYONE,
  'GET /portal/api/me': PORTAL_OWN,
  'GET /portal/api/organisation': EVERYONE,
  'GET /portal/api/categories': EVERYONE,
  'GET /portal/api/requests': PORTAL_OWN,
  'POST /portal/api/requests': PORTAL_OWN,
  'GET /portal/api/requests/{number}': PORTAL_OTHERS,
  'POST /portal/api/requests/{number}/replies': PORTAL_OTHERS,
  'POST /portal/api/requests/{number}/reopen': PORTAL_OTHERS,
  'POST /portal/api/requests/{number}/rating': PORTAL_OTHERS,
  'GET /portal/api/attachments/{id}': PORTAL_OTHERS,
  'GET /portal/api/kb': EVERYONE,
  'GET /portal/api/kb/{slug}': EVERYONE,
};

/** Notes under the README table: what the per-row checks add to the table's answers. */
export const MATRIX_NOTES = [
  'Changing a case’s **priority** (PATCH with `priority`) needs the holder or a supervisor, like status and assignment; subject, type and tags need read access.',
  'Linking or merging names a second case: one the caller may not read answers 404 like a missing one.',
  'Knowledge base: agents write and edit **drafts**; publishing, or editing a published article, needs a supervisor.',
  'Supervisors edit agents’ and supervisors’ accounts (skills, capacity, queues, phone) but not an admin’s; roles, passwords and activation are for admins.',
  '`GET /api/v1/queues` shows an agent the waiting cases of their own queues only; lists and search show only cases (and customers with a case) the caller may read, and a customer’s timeline only the entries of such cases.',
  'An agent also reads cases they are @mentioned on. `AGENT_CASE_ACCESS=all` lets agents read every case (changing still needs the holder or a supervisor).',
  'The live case room (`case:watch` on `/agent`) follows the same rule, checked again with the session’s current role on every join.',
  'Case views list and count only cases the caller may read. A bulk action answers per case: tags and type need read access, every other action (and a macro that changes status, priority or assignment) the holder or a supervisor. Sharing a view or a macro with everyone, or changing a shared one, needs a supervisor; someone else’s personal view or macro answers 404.',
];

const cell = (a: Answer) => (a === 'ok' ? '✓' : String(a));

/** The README "Access policy" table. */
export function accessTableMarkdown(): string {
  const head = `| Route | ${CALLERS.map((c) => CALLER_LABELS[c]).join(' | ')} |`;
  const sep = `|---|${CALLERS.map(() => ':-:').join('|')}|`;
  const rows = Object.entries(ACCESS_MATRIX).map(([route, r]) => `| \`${route}\` | ${CALLERS.map((c) => cell(r[c])).join(' | ')} |`);
  return [head, sep, ...rows, '', ...MATRIX_NOTES.map((n) => `- ${n}`)].join('\n');
}

export const README_TABLE_START = '<!-- access-table:start (generated by npm run access-table from server/src/access/matrix.ts) -->';
export const README_TABLE_END = '<!-- access-table:end -->';
