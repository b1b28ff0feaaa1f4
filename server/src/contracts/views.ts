// What the UIs read from the HTTP API, as TypeBox schemas. Each schema is the route's response schema
// (OpenAPI documents it; Fastify serialises against it, which drops any field not named here) and its
// Static type is the type both the server code and the UIs use — no copy to drift apart.
import { Type, type Static } from 'typebox';
import { CaseStatusT, CasePriorityT, CaseTypeT, ChannelT, CustomerTierT, DirectionT, PresenceT, RoleT } from './vocabulary.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** an ISO 8601 time as the server writes it (Date#toISOString) */
const Time = Type.String({ format: 'date-time' });
const Capacity = Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 100 }));

// ---- staff ----

export const AgentView = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: RoleT,
  language: Type.String(),
  skills: Type.Array(Type.String()),
  capacity: Capacity,
  presence: PresenceT,
});
export type AgentView = Static<typeof AgentView>;

export const SessionView = Type.Object({ agent: Nullable(AgentView), expiresAt: Nullable(Time) });
export type SessionView = Static<typeof SessionView>;

/** an agent in pickers (@mentions, transfers); handle = the email's local part */
export const AgentRef = Type.Object({ id: Type.Integer(), name: Type.String(), handle: Type.String(), presence: PresenceT, role: RoleT });
export type AgentRef = Static<typeof AgentRef>;

export const QueueRef = Type.Object({ id: Type.Integer(), name: Type.String(), description: Type.Optional(Nullable(Type.String())) });
export type QueueRef = Static<typeof QueueRef>;

// ---- cases ----

/** What the workspace shows about a case: the case row joined with its customer, queue and assignee. */
export const CaseView = Type.Object({
  id: Type.Integer(),
  number: Type.Integer(),
  subject: Type.String(),
  status: CaseStatusT,
  priority: CasePriorityT,
  type: CaseTypeT,
  channel: ChannelT,
  tags: Type.Array(Type.String()),
  language: Nullable(Type.String()),
  queueId: Nullable(Type.Integer()),
  queueName: Nullable(Type.String()),
  assigneeId: Nullable(Type.Integer()),
  assigneeName: Nullable(Type.String()),
  customerId: Type.Integer(),
  customerName: Nullable(Type.String()),
  customerTier: CustomerTierT,
  customerLanguage: Type.String(),
  routingState: Type.String(),
  firstQueuedAt: Nullable(Time),
  firstResponseDueAt: Nullable(Time),
  resolutionDueAt: Nullable(Time),
  firstResponseAt: Nullable(Time),
  solvedAt: Nullable(Time),
  pendingUntil: Nullable(Time),
  /** when a reminder (pending until …) last brought the case back */
  reminderFiredAt: Nullable(Time),
  /** a reminder brought the case back and the viewer has not opened it since: "My cases" lists it first */
  reminderUnseen: Type.Boolean(),
  /** when an SLA clock of the case was first breached */
  slaBreachedAt: Nullable(Time),
  resolutionNote: Nullable(Type.String()),
  mergedIntoId: Nullable(Type.Integer()),
  lastActivityAt: Time,
  createdAt: Time,
  unread: Type.Boolean(),
  lastMessage: Nullable(Type.String()),
});
export type CaseView = Static<typeof CaseView>;

export const CaseLink = Type.Object({
  kind: Type.String(),
  caseId: Type.Integer(),
  number: Type.Integer(),
  subject: Type.String(),
  status: CaseStatusT,
  channel: ChannelT,
});
export type CaseLink = Static<typeof CaseLink>;

export const CaseList = Type.Object({ cases: Type.Array(CaseView) });
export const CaseWithLinks = Type.Object({ case: CaseView, links: Type.Array(CaseLink) });
export type CaseWithLinks = Static<typeof CaseWithLinks>;

// ---- timeline ----

export const DELIVERY_OUTCOMES = ['pending', 'accepted', 'failed', 'not_sent', 'unknown'] as const;

/** one hand-over of an outbound message to its provider */
export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  at: Time,
  finishedAt: Nullable(Time),
  outcome: Type.Unsafe<(typeof DELIVERY_OUTCOMES)[number]>({ type: 'string', enum: [...DELIVERY_OUTCOMES] }),
  provider: Nullable(Type.String()),
  providerCode: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;

export const TimelineAttachment = Type.Object({ id: Type.Integer(), filename: Type.String(), contentType: Type.String(), size: Type.Integer(), url: Type.String() });
export type TimelineAttachment = Static<typeof TimelineAttachment>;

export const TimelineItem = Type.Object({
  id: Type.Integer(),
  caseId: Type.Integer(),
  caseNumber: Type.Integer(),
  channel: ChannelT,
  direction: DirectionT,
  kind: Type.String(),
  authorAgentId: Nullable(Type.Integer()),
  authorName: Nullable(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  text: Type.String(),
  /** sanitised on the server before it reaches a browser */
  html: Nullable(Type.String()),
  deliveryStatus: Type.String(),
  deliveryError: Nullable(Type.String()),
  /** every hand-over to the provider, oldest first (outbound only; empty when nothing was sent yet) */
  deliveryAttempts: Type.Array(DeliveryAttempt),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  attachments: Type.Array(TimelineAttachment),
  createdAt: Time,
});
export type TimelineItem = Static<typeof TimelineItem>;

export const TimelinePage = Type.Object({
  items: Type.Array(TimelineItem),
  /** pass as `before` to load older items; null when the beginning of the history is reached */
  nextBefore: Nullable(Type.String()),
});
export type TimelinePage = Static<typeof TimelinePage>;

// ---- customers and search ----

export const CustomerIdentity = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  value: Type.String(),
  verified: Type.Boolean(),
  optedOut: Type.Boolean(),
  /** inbound = the customer used it; staff = typed in the workspace (by addedByRole) */
  origin: Type.Union([Type.Literal('inbound'), Type.Literal('staff')]),
  addedByRole: Nullable(Type.String()),
  /** phone numbers: whether SMS and calls may go to it (see outbound/destination-policy.ts) */
  outboundAllowed: Type.Boolean(),
});

export const CustomerProfile = Type.Object({
  id: Type.Integer(),
  name: Nullable(Type.String()),
  language: Type.String(),
  tier: CustomerTierT,
  tags: Type.Array(Type.String()),
  notes: Type.String(),
  mergedIntoId: Nullable(Type.Integer()),
  createdAt: Time,
  /** An email address an anonymous visitor typed for this customer: a claim, not proved. */
  claimedEmail: Nullable(Type.String()),
  identities: Type.Array(CustomerIdentity),
  cases: Type.Array(Type.Object({ id: Type.Integer(), number: Type.Integer(), subject: Type.String(), status: CaseStatusT, channel: ChannelT, createdAt: Time })),
});
export type CustomerProfile = Static<typeof CustomerProfile>;

export const SearchResults = Type.Object({
  customers: Type.Array(Type.Object({ id: Type.Integer(), name: Nullable(Type.String()), tier: CustomerTierT, identities: Type.Array(Type.String()) })),
  cases: Type.Array(
    Type.Object({
      id: Type.Integer(),
      number: Type.Integer(),
      subject: Type.String(),
      status: CaseStatusT,
      channel: ChannelT,
      customerName: Nullable(Type.String()),
      snippet: Nullable(Type.String()),
    }),
  ),
});
export type SearchResults = Static<typeof SearchResults>;

// ---- canned responses, notifications, knowledge base ----

export const CannedResponse = Type.Object({
  id: Type.Integer(),
  shortcut: Type.String(),
  title: Type.String(),
  body: Type.String(),
  language: Type.String(),
  ownerAgentId: Nullable(Type.Integer()),
});
export type CannedResponse = Static<typeof CannedResponse>;

/** an @mention in an internal note, for the mentioned agent */
export const Notification = Type.Object({
  id: Type.Integer(),
  agentId: Type.Integer(),
  caseId: Type.Integer(),
  caseNumber: Type.Integer(),
  interactionId: Type.Integer(),
  actorName: Type.String(),
  text: Type.String(),
  createdAt: Time,
  readAt: Type.Optional(Nullable(Time)),
});
export type Notification = Static<typeof Notification>;

export const KbArticle = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  slug: Type.String(),
  excerpt: Type.String(),
  body: Type.String(),
  language: Type.String(),
  category: Type.String(),
  published: Type.Boolean(),
  url: Type.String(),
  updatedAt: Time,
});
export type KbArticle = Static<typeof KbArticle>;

// ---- what agents send ----

export const ReplyBody = Type.Object({
  internal: Type.Optional(Type.Boolean()),
  channel: Type.Optional(ChannelT),
  text: Type.String({ minLength: 1, maxLength: 100_000 }),
  html: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  subject: Type.Optional(Type.String({ maxLength: 500 })),
  to: Type.Optional(Type.String({ maxLength: 320 })),
  cc: Type.Optional(Type.Array(Type.String({ format: 'email' }), { maxItems: 20 })),
  attachments: Type.Optional(
    Type.Array(Type.Object({ filename: Type.String({ minLength: 1, maxLength: 255 }), contentType: Type.Optional(Type.String({ maxLength: 200 })), contentBase64: Type.String() }), { maxItems: 20 }),
  ),
});
export type ReplyBody = Static<typeof ReplyBody>;

// ---- portal (customers) ----

/** a customer's own case, as the portal lists it */
export const RequestSummary = Type.Object({
  number: Type.Integer(),
  subject: Type.String(),
  status: CaseStatusT,
  channel: ChannelT,
  createdAt: Time,
  lastUpdateAt: Time,
  rating: Nullable(Type.Integer()),
});
export type RequestSummary = Static<typeof RequestSummary>;

export const PortalAttachment = Type.Object({ id: Type.Integer(), filename: Type.String(), contentType: Type.String(), size: Type.Integer(), url: Type.String() });

export const ThreadMessage = Type.Object({
  id: Type.Integer(),
  from: Type.Union([Type.Literal('customer'), Type.Literal('agent')]),
  agentName: Nullable(Type.String()),
  channel: ChannelT,
  text: Type.String(),
  createdAt: Time,
  attachments: Type.Array(PortalAttachment),
});
export type ThreadMessage = Static<typeof ThreadMessage>;

export const RequestDetail = Type.Object({ ...RequestSummary.properties, messages: Type.Array(ThreadMessage) });
export type RequestDetail = Static<typeof RequestDetail>;

/** a topic a customer may file a request under (a queue that takes portal requests) */
export const PortalCategory = Type.Object({ id: Type.Integer(), name: Type.String(), description: Type.String() });
export type PortalCategory = Static<typeof PortalCategory>;

export const PortalMe = Type.Object({
  name: Nullable(Type.String()),
  language: Type.String(),
  identity: Type.Object({ kind: Type.Union([Type.Literal('email'), Type.Literal('phone')]), value: Type.String() }),
});
export type PortalMe = Static<typeof PortalMe>;

/** a published article in the portal: listed without its body, opened with its rendered html */
export const PortalArticle = Type.Object({ ...KbArticle.properties, body: Type.Optional(Type.String()), html: Type.Optional(Type.String()) });
export type PortalArticle = Static<typeof PortalArticle>;
