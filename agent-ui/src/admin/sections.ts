import type { RouteRecordRaw } from 'vue-router';

/** The admin console's screens; `supervisor`: shown to supervisors too (the server enforces what they may change). */
export const ADMIN_SECTIONS = [
  { path: 'agents', key: 'agents', supervisor: true, component: () => import('./AgentsAdmin.vue') },
  { path: 'queues', key: 'queues', supervisor: false, component: () => import('./QueuesAdmin.vue') },
  { path: 'mailboxes', key: 'mailboxes', supervisor: false, component: () => import('./MailboxesAdmin.vue') },
  { path: 'phone-numbers', key: 'phoneNumbers', supervisor: false, component: () => import('./PhoneNumbersAdmin.vue') },
  { path: 'business-hours', key: 'hours', supervisor: true, component: () => import('./BusinessHoursAdmin.vue') },
  { path: 'sla-policies', key: 'sla', supervisor: true, component: () => import('./SlaPoliciesAdmin.vue') },
  { path: 'agent-states', key: 'agentStates', supervisor: false, component: () => import('./AgentStatesAdmin.vue') },
  { path: 'api-keys', key: 'apiKeys', supervisor: false, component: () => import('./ApiKeysAdmin.vue') },
  { path: 'canned-responses', key: 'canned', supervisor: true, component: () => import('./CannedAdmin.vue') },
  { path: 'macros', key: 'macros', supervisor: true, component: () => import('./MacrosAdmin.vue') },
  { path: 'knowledge-base', key: 'kb', supervisor: true, component: () => import('./KbAdmin.vue') },
  { path: 'customer-notifications', key: 'notices', supervisor: false, component: () => import('./CustomerNoticesAdmin.vue') },
  { path: 'automation-rules', key: 'rules', supervisor: false, component: () => import('./RulesAdmin.vue') },
  { path: 'webhooks', key: 'webhooks', supervisor: false, component: () => import('./WebhooksAdmin.vue') },
  { path: 'settings', key: 'settings', supervisor: false, component: () => import('./SettingsAdmin.vue') },
  { path: 'audit', key: 'audit', supervisor: false, component: () => import('./AuditAdmin.vue') },
  { path: 'outbox', key: 'outbox', supervisor: true, component: () => import('./OutboxAdmin.vue') },
] as const;

export const adminRoutes: RouteRecordRaw[] = [
  {
    path: 'admin',
    component: () => import('./AdminView.vue'),
    meta: { supervisor: true },
    children: [
      { path: '', redirect: '/admin/agents' },
      ...ADMIN_SECTIONS.map((s) => ({ path: s.path, name: `admin-${s.path}`, component: s.component, meta: { supervisor: true, adminOnly: !s.supervisor } })),
    ],
  },
  { path: 'profile', name: 'profile', component: () => import('./ProfileView.vue') },
  // the old address of settings
  { path: 'settings', redirect: '/admin/settings' },
];
