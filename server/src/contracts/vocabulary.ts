// Shared vocabulary of the hub: the words every layer and both UIs use, each as a list (for menus
// and validation), a type, and a TypeBox schema (for request and response schemas).
import { Type } from 'typebox';

/** A schema that also allows null (a field the API always sends, empty as null). */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const StringEnum = <T extends readonly string[]>(values: T, opts: object = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

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

/** What an agent can choose (or a supervisor set): wrap-up is entered when a call or chat ends, and left by "Ready" (available) or its timer. */
export const SETTABLE_PRESENCES = ['available', 'away', 'offline'] as const;
export type SettablePresence = (typeof SETTABLE_PRESENCES)[number];
export const PRESENCES = [...SETTABLE_PRESENCES, 'wrap_up'] as const;
export type Presence = (typeof PRESENCES)[number];

export const CUSTOMER_TIERS = ['standard', 'vip'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** What an agent's bell shows: @mentions, SLA warnings and breaches, reminders due, reassignments, automation rule notices. */
export const AGENT_NOTICE_KINDS = ['mention', 'sla_warning', 'sla_breach', 'reminder_due', 'reassigned', 'rule'] as const;
export type AgentNoticeKind = (typeof AGENT_NOTICE_KINDS)[number];

/** Customer notices: templates per event and language (customer-messages/notice-templates.ts). */
export const CUSTOMER_NOTICE_EVENTS = ['received', 'replied', 'needs_reply', 'solved', 'closed', 'csat'] as const;
export type CustomerNoticeEvent = (typeof CUSTOMER_NOTICE_EVENTS)[number];

export const ChannelT = StringEnum(CHANNELS);
export const IdentityKindT = StringEnum(IDENTITY_KINDS);
export const CaseStatusT = StringEnum(CASE_STATUSES);
export const CasePriorityT = StringEnum(CASE_PRIORITIES);
export const CaseTypeT = StringEnum(CASE_TYPES);
export const RoleT = StringEnum(AGENT_ROLES);
export const PresenceT = StringEnum(PRESENCES);
export const SettablePresenceT = StringEnum(SETTABLE_PRESENCES);
export const CustomerTierT = StringEnum(CUSTOMER_TIERS);
export const DirectionT = StringEnum(DIRECTIONS);
export const AgentNoticeKindT = StringEnum(AGENT_NOTICE_KINDS);
export const CustomerNoticeEventT = StringEnum(CUSTOMER_NOTICE_EVENTS);
