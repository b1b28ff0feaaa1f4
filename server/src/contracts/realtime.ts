// Socket.IO contracts shared by server, workers and the agent UI.
// Namespaces: /agent (signed-in staff), /supervisor (supervisor/admin), /visitor (chat widget).

import type { Channel, CasePriority, CaseStatus, CaseType, Presence } from './vocabulary.js';
import type { DeliveryAttempt, Notification, TimelineItem } from './views.js';
import type { VisitorServerEvents } from './visitor.js';

export const NAMESPACES = { agent: '/agent', supervisor: '/supervisor', visitor: '/visitor' } as const;
export type NamespaceName = (typeof NAMESPACES)[keyof typeof NAMESPACES];

/** Rooms every node agrees on, so any node (or a worker via the realtime queue) can address them. */
export const rooms = {
  agent: (agentId: number) => `agent:${agentId}`,
  /** every socket of one staff session (on /agent and /supervisor), so ending the session ends them */
  session: (sessionKey: string) => `session:${sessionKey}`,
  case: (caseId: number) => `case:${caseId}`,
  allAgents: 'agents',
  supervisors: 'supervisors',
  visitor: (visitorId: string) => `visitor:${visitorId}`,
};

/** One event of one namespace's server → client map, addressed to rooms. */
type EnvelopeOf<N extends NamespaceName, M> = {
  [E in keyof M & string]: M[E] extends (p: infer P) => void ? { nsp: N; room: string | string[]; event: E; payload: P } : never;
}[keyof M & string];

/**
 * A realtime message produced anywhere (server or worker) and emitted by a server node. Only events
 * the namespace's map declares, each with its payload type, can be built — the maps below are the
 * complete list of what the server sends.
 */
export type RealtimeEnvelope =
  | EnvelopeOf<'/agent', AgentServerEvents>
  | EnvelopeOf<'/supervisor', SupervisorServerEvents>
  | EnvelopeOf<'/visitor', VisitorServerEvents>;

// ---- Routing and presence over /agent and /supervisor ----

/** What an agent is offered: enough to decide without opening the case. */
export interface OfferPayload {
  offerId: string;
  /** ISO time after which the offer is withdrawn and the case goes to the next agent. */
  expiresAt: string;
  case: {
    id: number;
    number: number;
    subject: string;
    channel: Channel;
    priority: CasePriority;
    type: CaseType;
    queue: { id: number; name: string } | null;
    waitingSeconds: number;
  };
  customer: { id: number; name: string | null; tier: 'standard' | 'vip' };
}

export type RescindReason = 'timeout' | 'taken' | 'abandoned' | 'customer_left' | 'agent_unavailable' | 'transferred' | 'closed';

export interface OfferRescindedPayload {
  offerId: string;
  caseId: number;
  reason: RescindReason;
}

/** `load` maps a channel to "used/capacity", e.g. {"chat": "2/3"}; busy = some channel is full (or on a call). */
export interface PresencePayload {
  presence: Presence;
  busy: boolean;
  load: Record<string, string>;
}

/** Built in one place (realtime/case-updated.ts) from the case row; clients refetch what they show. */
export interface CaseUpdatedPayload {
  caseId: number;
  status: CaseStatus;
  priority: CasePriority;
  assigneeId: number | null;
  routingState: string;
  queueId: number | null;
  /** what happened when the lifecycle knows it (assigned, requeued, transferred, escalated …) */
  event?: string;
}

/** A new timeline entry; `interaction` is the entry itself when the sender had it at hand. */
export interface InteractionNewPayload {
  caseId: number;
  interactionId: number;
  customerId?: number;
  interaction?: TimelineItem;
}

/** A delivery status change of an outbound message (or a read receipt), with its attempts when known. */
export interface InteractionStatusPayload {
  caseId: number;
  interactionId: number;
  status: string;
  error: string | null;
  attempts?: DeliveryAttempt[];
}

/** Someone is typing on a case: the customer (chat widget) or another agent. */
export interface TypingPayload {
  caseId: number;
  from: 'agent' | 'customer';
  agentId?: number;
  name?: string;
  typing: boolean;
}

/** A phone call's progress (voice channel), to the case room and the agent on the call. */
export interface CallUpdatedPayload {
  caseId: number;
  callId: number;
  interactionId: number;
  direction: 'inbound' | 'outbound';
  state: string;
  outcome: string | null;
  agentId: number | null;
  talkSeconds: number | null;
}

export type AcceptAck = { ok: true; caseId: number } | { ok: false; reason: string };
export type SimpleAck = { ok: true } | { ok: false; reason: string };

/** /agent: client → server. */
export interface AgentClientEvents {
  'presence:set': (p: { presence: Presence }, ack?: (r: SimpleAck & { presence?: PresencePayload }) => void) => void;
  'offer:accept': (p: { offerId: string }, ack?: (r: AcceptAck) => void) => void;
  'offer:decline': (p: { offerId: string }, ack?: (r: SimpleAck) => void) => void;
  /** the case view joins the case's room (live timeline, typing); refused when the agent may not open it */
  'case:watch': (caseId: number, ack?: (r: { ok: boolean; reason?: string }) => void) => void;
  'case:unwatch': (caseId: number) => void;
  typing: (p: { caseId: number; typing: boolean }) => void;
  /** the agent has read a chat visitor's messages up to this id (read receipt to the widget) */
  'chat:read': (p: { caseId: number; upToId: number }) => void;
}

/** /agent: server → client. */
export interface AgentServerEvents {
  offer: (p: OfferPayload) => void;
  'offer:rescinded': (p: OfferRescindedPayload) => void;
  presence: (p: PresencePayload) => void;
  'case:updated': (p: CaseUpdatedPayload) => void;
  'queue:updated': (p: { waiting: number }) => void;
  'interaction:new': (p: InteractionNewPayload) => void;
  'interaction:status': (p: InteractionStatusPayload) => void;
  'call:updated': (p: CallUpdatedPayload) => void;
  typing: (p: TypingPayload) => void;
  /** an @mention of this agent in an internal note */
  notification: (p: Omit<Notification, 'readAt'>) => void;
}

export interface QueueStats {
  queueId: number | null;
  name: string;
  waiting: number;
  offered: number;
  assigned: number;
  /** of `assigned`: written cases kept for an agent who is Offline (ASSIGNMENT_KEEP_OFFLINE_MINUTES) */
  heldByOffline: number;
  /** seconds the oldest waiting case had waited at the figures' `at` */
  oldestWaitingSeconds: number;
  /** when the oldest waiting case entered the queue: screens tick the wait themselves, so it is pushed only when it changes */
  oldestWaitingSince: string | null;
  availableAgents: number;
}

export interface AgentStats {
  agentId: number;
  name: string;
  presence: Presence;
  busy: boolean;
  load: Record<string, string>;
  pendingOffers: number;
  presenceSince: string;
  /** open cases this agent holds while Offline (kept for them through a short absence) */
  heldWhileOffline: number;
}

/** The agents whose figures changed since the last push, whole, and the ones gone (deactivated). */
export interface AgentStatsDelta {
  at: string;
  changed: AgentStats[];
  removed: number[];
}

/**
 * /supervisor: server → client. `stats:queues` and `stats:agents` are whole lists: on connect, and
 * `stats:queues` again whenever a queue's figures change (the oldest wait is a timestamp the screen ticks
 * itself, so time passing changes nothing). Agents change one at a time: `stats:agents:delta` carries
 * only those (issue 16: the whole 1,000-agent list every second was ~225 KB/s per screen while idle).
 */
export interface SupervisorServerEvents {
  'stats:queues': (p: { at: string; queues: QueueStats[] }) => void;
  'stats:agents': (p: { at: string; agents: AgentStats[] }) => void;
  'stats:agents:delta': (p: AgentStatsDelta) => void;
}
