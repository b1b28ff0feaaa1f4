// Shapes the workspace API returns (see server/src/cases/case-view.ts, timeline.ts, customers/profile.ts).
import type { OfferPayload } from '../../../server/src/contracts/realtime';

export type Channel = 'voice' | 'chat' | 'sms' | 'email' | 'portal' | 'api';
export type Presence = 'available' | 'away' | 'offline';
export type CaseStatus = 'new' | 'open' | 'pending' | 'solved' | 'closed';
export type CasePriority = 'low' | 'normal' | 'high' | 'urgent';
export type CaseType = 'question' | 'incident' | 'problem' | 'request' | 'task' | 'complaint' | 'callback';
export const CHANNELS: Channel[] = ['voice', 'chat', 'sms', 'email', 'portal', 'api'];
export const STATUSES: CaseStatus[] = ['new', 'open', 'pending', 'solved', 'closed'];
export const PRIORITIES: CasePriority[] = ['low', 'normal', 'high', 'urgent'];
export const TYPES: CaseType[] = ['question', 'incident', 'problem', 'request', 'task', 'complaint', 'callback'];

export interface Agent {
  id: number;
  email: string;
  name: string;
  role: 'agent' | 'supervisor' | 'admin';
  language: string;
  skills: string[];
  capacity: Record<string, number>;
  presence: Presence;
}

export interface CaseView {
  id: number;
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  channel: Channel;
  tags: string[];
  language: string | null;
  queueId: number | null;
  queueName: string | null;
  assigneeId: number | null;
  assigneeName: string | null;
  customerId: number;
  customerName: string | null;
  customerTier: string;
  customerLanguage: string;
  routingState: string;
  firstQueuedAt: string | null;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  firstResponseAt: string | null;
  solvedAt: string | null;
  pendingUntil: string | null;
  resolutionNote: string | null;
  mergedIntoId: number | null;
  lastActivityAt: string;
  createdAt: string;
  unread: boolean;
  lastMessage: string | null;
}

export interface CaseLink {
  kind: string;
  caseId: number;
  number: number;
  subject: string;
  status: string;
  channel: string;
}

export interface TimelineAttachment {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  url: string;
}

export interface TimelineItem {
  id: number;
  caseId: number;
  caseNumber: number;
  channel: Channel;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: string;
  authorAgentId: number | null;
  authorName: string | null;
  from: string | null;
  to: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  deliveryStatus: string;
  deliveryError: string | null;
  /** every hand-over to the provider (outbound), oldest first */
  deliveryAttempts?: DeliveryAttempt[];
  metadata: Record<string, unknown>;
  attachments: TimelineAttachment[];
  createdAt: string;
}

export interface TimelinePage {
  items: TimelineItem[];
  nextBefore: string | null;
}

export interface CustomerProfile {
  id: number;
  name: string | null;
  language: string;
  tier: 'standard' | 'vip';
  tags: string[];
  notes: string;
  mergedIntoId: number | null;
  createdAt: string;
  /** an address an anonymous visitor typed: not proved, not an identity */
  claimedEmail: string | null;
  identities: {
    id: number;
    kind: string;
    value: string;
    verified: boolean;
    optedOut: boolean;
    origin: 'inbound' | 'staff';
    addedByRole: string | null;
    /** phone numbers: SMS and calls may go to it */
    outboundAllowed: boolean;
  }[];
  cases: { id: number; number: number; subject: string; status: CaseStatus; channel: Channel; createdAt: string }[];
}

export interface SearchResults {
  customers: { id: number; name: string | null; tier: string; identities: string[] }[];
  cases: { id: number; number: number; subject: string; status: CaseStatus; channel: Channel; customerName: string | null; snippet: string | null }[];
}

export interface CannedResponse {
  id: number;
  shortcut: string;
  title: string;
  body: string;
  language: string;
  ownerAgentId: number | null;
}

export interface Notification {
  id: number;
  agentId: number;
  caseId: number;
  caseNumber: number;
  interactionId: number;
  actorName: string;
  text: string;
  createdAt: string;
  readAt?: string | null;
}

export interface AgentRef {
  id: number;
  name: string;
  handle: string;
  presence: Presence;
  role: string;
}

export interface QueueRef {
  id: number;
  name: string;
  description?: string;
}

export interface KbArticle {
  id: number | string;
  title: string;
  slug: string;
  excerpt: string;
  body: string;
  language: string;
  category?: string | null;
  published?: boolean;
  url: string;
}

/** An offer pushed by the router. */
export type Offer = OfferPayload & {
  /** set by the UI when the offer arrives: the countdown bar's full length */
  receivedAt?: number;
};

/** PresencePayload: presence plus load per channel as "used/capacity". */
export interface PresenceState {
  presence: Presence;
  busy: boolean;
  load: Record<string, string>;
}

export interface ReplyBody {
  internal?: boolean;
  channel?: Channel;
  text: string;
  html?: string;
  subject?: string;
  to?: string;
  cc?: string[];
  attachments?: { filename: string; contentType?: string; contentBase64: string }[];
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  finishedAt: string | null;
  outcome: 'pending' | 'accepted' | 'failed' | 'not_sent' | 'unknown';
  provider: string | null;
  providerCode: string | null;
  error: string | null;
}
