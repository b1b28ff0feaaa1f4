// What the admin console reads (server/src/routes/api/admin/*, auth/profile): each schema is its route's response
// schema and its Static type is the type the console's screens use (agent-ui/src/admin/api.ts), so a field the
// server renames is a type error in the screen that reads it. Bodies stay with their routes: the console sends
// them, the server alone validates them.
import { Type, type Static } from 'typebox';
import { AGENT_NOTICE_KINDS, CUSTOMER_NOTICE_EVENTS, CustomerNoticeEventT, Nullable } from './vocabulary.js';
import { AgentView } from './views.js';

/** An object of optional switches, one per name of a list (other names rejected); its type names the keys. */
const SwitchesT = <K extends string>(keys: readonly K[]) =>
  Type.Unsafe<Partial<Record<K, boolean>>>(Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Optional(Type.Boolean())])), { additionalProperties: false }));
export const LangT = Type.Union([Type.Literal('en'), Type.Literal('fa')]);
export type Lang = Static<typeof LangT>;

// ---- agents and queues ----

export const AdminAgentView = Type.Intersect([AgentView, Type.Object({ phone: Nullable(Type.String()), active: Type.Boolean() })]);
export type AdminAgentView = Static<typeof AdminAgentView>;

/** Also the body's step: the bounds are the body's (a row id fits a JavaScript number exactly). */
export const EscalationStep = Type.Object({
  afterSeconds: Type.Integer({ minimum: 1 }),
  overflowQueueId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  priorityDelta: Type.Optional(Type.Integer({ minimum: -100, maximum: 100 })),
});
export type EscalationStep = Static<typeof EscalationStep>;
/** which eligible agent gets the next case; null: least_loaded for chat, longest_idle for the other channels */
export const DistributionT = Type.Union([Type.Literal('longest_idle'), Type.Literal('least_loaded'), Type.Null()]);

export const AdminQueueView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  requiredSkills: Type.Array(Type.String()),
  channels: Type.Array(Type.String()),
  isDefault: Type.Boolean(),
  overflowQueueId: Nullable(Type.Integer()),
  escalationSteps: Type.Array(EscalationStep),
  priorityOverrides: Type.Record(Type.String(), Type.Integer()),
  slThresholds: Type.Record(Type.String(), Type.Integer()),
  maxWaitSeconds: Nullable(Type.Integer()),
  offerTimeouts: Type.Record(Type.String(), Type.Integer()),
  distribution: DistributionT,
  memberIds: Type.Array(Type.Integer()),
  leadAgentId: Nullable(Type.Integer()),
  /** after-call work after a call or chat of this queue ends, in seconds (0: none) */
  wrapUpSeconds: Type.Integer(),
  /** agents must choose a disposition before solving a case of this queue */
  dispositionRequired: Type.Boolean(),
});
export type AdminQueueView = Static<typeof AdminQueueView>;

// ---- mailboxes ----

export const MailTemplate = Type.Object({ subject: Type.Optional(Type.String({ maxLength: 300 })), text: Type.Optional(Type.String({ maxLength: 10_000 })) });

/** Passwords and client secrets are never in it: `has…` says whether one is stored. */
export const MailboxView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  address: Type.String(),
  displayName: Type.String(),
  queueId: Nullable(Type.Integer()),
  active: Type.Boolean(),
  authMethod: Type.String(),
  oauthTenantId: Nullable(Type.String()),
  oauthClientId: Nullable(Type.String()),
  hasOauthClientSecret: Type.Boolean(),
  imapHost: Nullable(Type.String()),
  imapPort: Type.Integer(),
  imapTls: Type.Boolean(),
  imapUser: Nullable(Type.String()),
  hasImapPassword: Type.Boolean(),
  imapFolder: Type.String(),
  markSeen: Type.Boolean(),
  processedFolder: Nullable(Type.String()),
  pollIntervalSeconds: Type.Integer(),
  smtpHost: Nullable(Type.String()),
  smtpPort: Type.Integer(),
  smtpSecurity: Type.String(),
  smtpUser: Nullable(Type.String()),
  hasSmtpPassword: Type.Boolean(),
  autoAck: Type.Boolean(),
  autoAckTemplates: Type.Record(Type.String(), MailTemplate),
  signature: Type.Record(Type.String(), Type.String()),
  sync: Type.Object({
    uidValidity: Nullable(Type.Integer()),
    lastUid: Type.Integer(),
    lastSyncAt: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
    lastErrorAt: Nullable(Type.String()),
  }),
});
export type MailboxView = Static<typeof MailboxView>;

export const MailboxTestView = Type.Object({
  imap: Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()), folderMessages: Type.Optional(Type.Integer()) }),
  smtp: Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) }),
});
export type MailboxTestView = Static<typeof MailboxTestView>;

// ---- opening hours ----

export const DAYS = ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'] as const;
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
export const ShiftT = Type.Tuple([HHMM, HHMM]);
export type Shift = Static<typeof ShiftT>;
export const WeeklyT = Type.Object(Object.fromEntries(DAYS.map((d) => [d, Type.Optional(Type.Array(ShiftT, { maxItems: 6 }))])), { additionalProperties: false });
/** One closed day or a range (`to`, inclusive), once or every year by the Gregorian or the Persian calendar. */
export const HolidayT = Type.Object({
  date: Type.String({ format: 'date' }),
  to: Type.Optional(Type.String({ format: 'date' })),
  yearly: Type.Optional(Type.Boolean()),
  calendar: Type.Optional(Type.Union([Type.Literal('gregory'), Type.Literal('persian')])),
  name: Type.String({ maxLength: 200 }),
});
export type Holiday = Static<typeof HolidayT>;
export const BusinessHoursView = Type.Object({
  id: Type.Integer(),
  queueId: Nullable(Type.Integer()),
  timeZone: Type.String(),
  weekly: WeeklyT,
  holidays: Type.Array(HolidayT),
  updatedAt: Type.String(),
});
export type BusinessHoursView = Static<typeof BusinessHoursView>;

// ---- API keys and the audit log ----

/** Never the key itself: it is shown once, when created (ApiKeyCreated). */
export const ApiKeyView = Type.Object({ id: Type.Integer(), name: Type.String(), createdBy: Nullable(Type.String()), createdAt: Type.String(), revokedAt: Nullable(Type.String()) });
export type ApiKeyView = Static<typeof ApiKeyView>;
export const ApiKeyCreated = Type.Object({ id: Type.Integer(), name: Type.String(), key: Type.String() });
export type ApiKeyCreated = Static<typeof ApiKeyCreated>;

/** `before` and `after` are the row as it was and became, secrets redacted. */
export const AuditEntryView = Type.Object({
  id: Type.Integer(),
  actorId: Nullable(Type.Integer()),
  actorName: Nullable(Type.String()),
  action: Type.String(),
  entity: Type.String(),
  entityId: Nullable(Type.String()),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Nullable(Type.String()),
  createdAt: Type.String(),
});
export type AuditEntryView = Static<typeof AuditEntryView>;

/** What a delete that has nothing else to say answers. */
export const OkView = Type.Object({ ok: Type.Literal(true) });

// ---- organisation settings ----

const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
/** Also the body's parts: the view is what the body last set. */
export const WidgetSettingsT = Type.Object(
  {
    language: Type.Optional(LangT),
    prechat: Type.Optional(Type.Union([Type.Literal('optional'), Type.Literal('required'), Type.Literal('off')])),
    title: Type.Optional(Type.String({ maxLength: 100 })),
    colour: Type.Optional(Colour),
  },
  { additionalProperties: false },
);
export const BrandingT = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })), colour: Type.Optional(Colour), logoUrl: Type.Optional(Type.String({ maxLength: 2000, pattern: '^(https?://|/)' })) },
  { additionalProperties: false },
);
export const SettingsView = Type.Object({
  name: Type.String(),
  defaultLanguage: LangT,
  timeZone: Type.String(),
  widget: WidgetSettingsT,
  branding: BrandingT,
  setUpAt: Nullable(Type.String()),
  /** what the admin screens build pasteable URLs from (webhooks, widget snippet) */
  publicUrl: Type.String(),
});
export type SettingsView = Static<typeof SettingsView>;

// ---- demo outbox ----

export const OutboxEntryView = Type.Object({
  id: Type.Integer(),
  interactionId: Type.Integer(),
  caseId: Type.Integer(),
  caseNumber: Type.Integer(),
  channel: Type.String(),
  to: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  text: Type.String(),
  attachments: Type.Array(Type.Object({ filename: Type.String(), contentType: Type.String() })),
  createdAt: Type.String(),
});
export type OutboxEntryView = Static<typeof OutboxEntryView>;
export const OutboxPage = Type.Object({ enabled: Type.Boolean(), entries: Type.Array(OutboxEntryView) });
export type OutboxPage = Static<typeof OutboxPage>;

// ---- customer notices ----

export const NoticeTemplateView = Type.Object({
  event: CustomerNoticeEventT,
  language: LangT,
  subject: Type.String(),
  body: Type.String(),
  sms: Type.String(),
  edited: Type.Boolean(),
  updatedAt: Nullable(Type.String()),
});
export type NoticeTemplateView = Static<typeof NoticeTemplateView>;
export const NoticeEventsT = SwitchesT(CUSTOMER_NOTICE_EVENTS);
export const CustomerNoticesView = Type.Object({
  events: NoticeEventsT,
  autoCloseDays: Type.Integer(),
  placeholders: Type.Array(Type.String()),
  templates: Type.Array(NoticeTemplateView),
});
export type CustomerNoticesView = Static<typeof CustomerNoticesView>;
export const NoticePreview = Type.Object({ subject: Type.String(), body: Type.String(), sms: Type.String() });
export type NoticePreview = Static<typeof NoticePreview>;

// ---- my profile ----

export const NotificationPrefsT = Type.Object(
  {
    /** a sound when a case is offered (unset: on) */
    offerSound: Type.Optional(Type.Boolean()),
    /** which kinds of bell notices I get at all (unset: on); notifications/agent-notices.ts applies it */
    kinds: Type.Optional(SwitchesT(AGENT_NOTICE_KINDS)),
    /** also show new notices as browser notifications (the browser asks for permission; unset: off) */
    browser: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const ProfileView = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  language: Type.String(),
  phone: Nullable(Type.String()),
  notificationPrefs: NotificationPrefsT,
});
export type ProfileView = Static<typeof ProfileView>;
