// BullMQ queue names and job payloads shared by the server and the workers.

export const QUEUE_NAMES = {
  routing: 'routing',
  outbound: 'outbound',
  notifications: 'notifications',
  /** Socket events produced by workers, emitted by a server node. */
  realtime: 'realtime',
} as const;

/** One job per waiting case; jobId is `case-<id>` so re-adding is idempotent. */
export interface RoutingJob {
  caseId: number;
  /** BullMQ priority (lower = sooner), derived from channel, case priority, tier and SLA risk. */
  priority: number;
  /** ISO time the case first entered the queue; kept across re-offers. */
  firstQueuedAt: string;
  reason: 'arrival' | 'requeue' | 'recovery';
}

export interface OutboundJob {
  interactionId: number;
}

export const routingJobId = (caseId: number) => `case-${caseId}`;
