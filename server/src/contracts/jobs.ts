// BullMQ queue names and job payloads shared by the server and the workers.

export const QUEUE_NAMES = {
  routing: 'routing',
  outbound: 'outbound',
  notifications: 'notifications',
  /** Socket events produced by workers, emitted by a server node. */
  realtime: 'realtime',
  /** Router triggers and timers: match passes, offer timeouts, delayed re-offers. */
  routerEvents: 'router-events',
  /** Case lifecycle side effects run by workers, e.g. a channel connecting a queued call to its agent. */
  lifecycle: 'lifecycle',
  /** Work that needs a server node's sockets: disconnect grace checks, joining agents to case rooms. */
  agentSockets: 'agent-sockets',
} as const;

/** One job per waiting case; jobId is `case-<id>` so re-adding is idempotent. */
export interface RoutingJob {
  caseId: number;
  /** BullMQ priority (lower = sooner), derived from channel, case priority, tier and SLA risk. */
  priority: number;
  /** ISO time the case first entered the queue; kept across re-offers. */
  firstQueuedAt: string;
  reason: 'arrival' | 'requeue' | 'recovery' | 'transfer' | 'escalation';
}

export interface OutboundJob {
  interactionId: number;
}

export const routingJobId = (caseId: number) => `case-${caseId}`;

/** Router triggers: `match` runs a match pass; `offer-timeout` expires one offer (delayed job). */
export type RouterEventJob =
  | { type: 'match'; reason: string }
  | { type: 'offer-timeout'; offerId: string };

/** Side effects of an assignment, run by a worker (channel adapters' onAssigned). */
export interface LifecycleJob {
  type: 'assigned';
  caseId: number;
  agentId: number;
}

/**
 * Run by a server node: a disconnect grace period ended (the agent goes offline unless a socket
 * came back), or an agent's sockets join / leave a case room.
 */
export type AgentSocketJob =
  | { type: 'grace-expired'; agentId: number; disconnectedAt: number }
  | { type: 'room'; agentId: number; caseId: number; action: 'join' | 'leave' };
