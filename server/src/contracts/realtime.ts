// Socket.IO contracts shared by server, workers and the agent UI.
// Namespaces: /agent (signed-in staff), /supervisor (supervisor/admin), /visitor (chat widget).

import type { CasePriority, CaseStatus, SettablePresence } from './vocabulary.js';
import type { AgentStats, DeliveryAttempt, Notification, OfferPayload, PresencePayload, QueueStats, TimelineItem } from './views.js';

// The payloads UIs also read over HTTP are TypeBox schemas in views.ts; their types are re-exported here.
export type { AgentStats, OfferPayload, PresencePayload, QueueStats };
import type { VisitorServerEvents } from './visitor.js';
import type { CaseAlertPayload } from './sla.js';

export const NAMESPACES = { agent: '/agent', supervisor: '/supervisor', visitor: '/visitor' } as const;
export type NamespaceName = (typeof NAMESPACES)[keyof typeof NAMESPACES];

/** Rooms every node agrees on, so any node (or a worker, through the sockets' Redis stream) can address them. */
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

export type RescindReason = 'timeout' | 'taken' | 'abandoned' | 'customer_left' | 'agent_unavailable' | 'transferred' | 'closed';

export interface OfferRescindedPayload {
  offerId: string;
  caseId: number;
  reason: RescindReason;
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

/** Someone with a case open (collision detection). */
export interface CaseViewer {
  agentId: number;
  name: string;
}

/** Everyone who has the case open right now, sent to its room whenever that changes. */
export interface CaseViewersPayload {
  caseId: number;
  viewers: CaseViewer[];
}

export type AcceptAck = { ok: true; caseId: number } | { ok: false; reason: string };
export type SimpleAck = { ok: true } | { ok: false; reason: string };

/** /agent: client → server. */
export interface AgentClientEvents {
  'presence:set': (p: { presence: SettablePresence; breakReasonId?: number | null }, ack?: (r: SimpleAck & { presence?: PresencePayload }) => void) => void;
  'offer:accept': (p: { offerId: string }, ack?: (r: AcceptAck) => void) => void;
  'offer:decline': (p: { offerId: string }, ack?: (r: SimpleAck) => void) => void;
  /** the case view joins the case's room (live timeline, typing); refused when the agent may not open it */
  'case:watch': (caseId: number, ack?: (r: { ok: boolean; reason?: string }) => void) => void;
  'case:unwatch': (caseId: number) => void;
  /** the case is still on screen: renews this socket's viewer lease (realtime/case-viewers.ts) */
  'case:here': (caseId: number) => void;
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
  /** who has the case open (to the case room) */
  'case:viewers': (p: CaseViewersPayload) => void;
  /** cases changed somewhere: the views' counts may differ (to every agent, at most about once a second per process) */
  'views:changed': (p: { at: string }) => void;
  /** a new entry of this agent's bell (notifications/agent-notices.ts): mention, SLA, reminder, reassignment, rule */
  notification: (p: Notification) => void;
  /** an SLA warning or breach of a case this agent holds or supervises, or a reminder that brought a case back */
  'case:alert': (p: CaseAlertPayload) => void;
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
  /** a supervisor started, switched or stopped monitoring a call: the live-calls list refetches */
  'calls:monitors': (p: { callId: number }) => void;
}
