// What the UIs read from the HTTP API, as TypeBox schemas. Each schema is the route's response schema
// (OpenAPI documents it; Fastify serialises against it, which drops any field not named here) and its
// Static type is the type both the server code and the UIs use — no copy to drift apart.
import { Type, type Static } from 'typebox';
import { AgentNoticeKindT, CaseStatusT, CasePriorityT, CaseTypeT, ChannelT, CustomerTierT, DirectionT, PresenceT, RoleT, StringEnum, Nullable } from './vocabulary.js';

/** an ISO 8601 time as the server writes it (Date#toISOString) */
const Time = Type.String({ format: 'date-time' });
/** concurrent cases an agent takes per channel */
export const Capacity = Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 100 }));

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

/**
 * One entry of an agent's bell: an @mention in an internal note, an SLA warning or breach, a reminder
 * due, a reassignment or an automation rule's notice. `text` is ready to show (a note's excerpt, a
 * rule's message); `data` carries what the kind adds (e.g. dueAt, ruleName, fromAgentName).
 */
export const Notification = Type.Object({
  id: Type.Integer(),
  agentId: Type.Integer(),
  kind: AgentNoticeKindT,
  caseId: Nullable(Type.Integer()),
  caseNumber: Nullable(Type.Integer()),
  interactionId: Nullable(Type.Integer()),
  actorName: Nullable(Type.String()),
  text: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
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
  /** the newest timeline entry id the agent had seen when the draft began: newer customer messages or other agents' replies answer 409 */
  seenUpToId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  /** send even though the case changed since the draft began (after the 409) */
  confirm: Type.Optional(Type.Boolean()),
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

// ---- routing: offers, presence, live figures ----

/** What an agent is offered: enough to decide without opening the case (the `offer` event, GET /agents/me/offers). */
export const OfferPayload = Type.Object({
  offerId: Type.String({ format: 'uuid' }),
  /** ISO time after which the offer is withdrawn and the case goes to the next agent. */
  expiresAt: Time,
  case: Type.Object({
    id: Type.Integer(),
    number: Type.Integer(),
    subject: Type.String(),
    channel: ChannelT,
    priority: CasePriorityT,
    type: CaseTypeT,
    queue: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
    waitingSeconds: Type.Integer(),
  }),
  customer: Type.Object({ id: Type.Integer(), name: Nullable(Type.String()), tier: CustomerTierT }),
});
export type OfferPayload = Static<typeof OfferPayload>;

/** `load` maps a channel to "used/capacity", e.g. {"chat": "2/3"}; busy = some channel is full (or on a call). */
/** `breakReasonId`: why an Away agent is away (admin-defined break reasons); `wrapUpUntil`: when an agent's after-call work ends. */
export const PresencePayload = Type.Object({
  presence: PresenceT,
  busy: Type.Boolean(),
  load: Type.Record(Type.String(), Type.String()),
  breakReasonId: Type.Optional(Nullable(Type.Integer())),
  wrapUpUntil: Type.Optional(Nullable(Type.String())),
});
export type PresencePayload = Static<typeof PresencePayload>;

export const QueueStats = Type.Object({
  queueId: Nullable(Type.Integer()),
  name: Type.String(),
  waiting: Type.Integer(),
  offered: Type.Integer(),
  assigned: Type.Integer(),
  /** of `assigned`: written cases kept for an agent who is Offline (ASSIGNMENT_KEEP_OFFLINE_MINUTES) */
  heldByOffline: Type.Integer(),
  /** seconds the oldest waiting case had waited at the figures' `at` */
  oldestWaitingSeconds: Type.Integer(),
  /** when the oldest waiting case entered the queue: screens tick the wait themselves, so it is pushed only when it changes */
  oldestWaitingSince: Nullable(Type.String()),
  availableAgents: Type.Integer(),
});
export type QueueStats = Static<typeof QueueStats>;

export const AgentStats = Type.Object({
  agentId: Type.Integer(),
  name: Type.String(),
  presence: PresenceT,
  busy: Type.Boolean(),
  load: Type.Record(Type.String(), Type.String()),
  pendingOffers: Type.Integer(),
  presenceSince: Time,
  /** Away: the break reason's id (admin-defined); wrap-up: when it ends */
  breakReasonId: Type.Optional(Nullable(Type.Integer())),
  wrapUpUntil: Type.Optional(Nullable(Time)),
  /** open cases this agent holds while Offline (kept for them through a short absence) */
  heldWhileOffline: Type.Integer(),
});
export type AgentStats = Static<typeof AgentStats>;

/** GET /supervisor/stats: both live tables at one time (the socket pushes them as stats:queues / stats:agents). */
export const LiveStats = Type.Object({ at: Time, queues: Type.Array(QueueStats), agents: Type.Array(AgentStats) });
export type LiveStats = Static<typeof LiveStats>;

// ---- chat widget (visitors) ----

export const VisitorMessage = Type.Object({
  id: Type.Integer(),
  caseId: Type.Integer(),
  from: Type.Union([Type.Literal('visitor'), Type.Literal('agent')]),
  /** agent's display name; null for the visitor */
  name: Nullable(Type.String()),
  text: Type.String(),
  createdAt: Time,
  status: Type.String(),
  attachments: Type.Array(TimelineAttachment),
  clientId: Type.Optional(Type.String()),
});
export type VisitorMessage = Static<typeof VisitorMessage>;

export const QueueStatus = Type.Object({
  caseId: Nullable(Type.Integer()),
  state: StringEnum(['none', 'waiting', 'offered', 'assigned', 'closed'] as const),
  /** 1 = next to be answered; null when not waiting */
  position: Nullable(Type.Integer()),
  estimatedWaitSeconds: Nullable(Type.Integer()),
});
export type QueueStatus = Static<typeof QueueStatus>;

/** GET /widget/api/status: whether live chat is offered now, and why not (closed = outside business hours) */
export const ChatStatus = Type.Object({
  online: Type.Boolean(),
  reason: StringEnum(['open', 'closed', 'no_agents'] as const),
  maxAttachmentBytes: Type.Integer(),
});
export type ChatStatus = Static<typeof ChatStatus>;

export const VisitorCreated = Type.Object({ visitorId: Type.String(), token: Type.String() });
export type VisitorCreated = Static<typeof VisitorCreated>;

/** GET /widget/api/conversation: who the visitor is and their ongoing conversation */
export const WidgetConversation = Type.Object({
  visitor: Type.Object({ id: Type.String(), name: Nullable(Type.String()), email: Nullable(Type.String()), language: Type.String() }),
  caseId: Nullable(Type.Integer()),
  caseNumber: Nullable(Type.Integer()),
  messages: Type.Array(VisitorMessage),
  status: QueueStatus,
});
export type WidgetConversation = Static<typeof WidgetConversation>;

export const OfflineMessageAccepted = Type.Object({ caseNumber: Type.Integer() });
export type OfflineMessageAccepted = Static<typeof OfflineMessageAccepted>;

export const Ok = Type.Object({ ok: Type.Literal(true) });

/** GET /portal/api/organisation: the portal's branding and the organisation's language and time zone (Admin → Settings) */
export const PortalOrganisation = Type.Object({
  name: Type.String(),
  language: StringEnum(['en', 'fa'] as const),
  timeZone: Type.String(),
  colour: Nullable(Type.String()),
  logoUrl: Nullable(Type.String()),
});
export type PortalOrganisation = Static<typeof PortalOrganisation>;
