// Shared vocabulary of the hub: used by the server, the workers and the agent UI.

export const CHANNELS = ['voice', 'chat', 'sms', 'email', 'portal', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

export const IDENTITY_KINDS = ['phone', 'email', 'chat', 'portal', 'api'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export const CASE_STATUSES = ['new', 'open', 'pending', 'solved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type CasePriority = (typeof CASE_PRIORITIES)[number];

export const CASE_TYPES = ['question', 'incident', 'problem', 'request', 'task', 'complaint', 'callback'] as const;
export type CaseType = (typeof CASE_TYPES)[number];

export const AGENT_ROLES = ['agent', 'supervisor', 'admin'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const PRESENCES = ['available', 'away', 'offline'] as const;
export type Presence = (typeof PRESENCES)[number];
