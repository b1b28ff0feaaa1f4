// The queue registry: every BullMQ queue of the hub with its job payload type, its consumer and its
// job options, shared by the server and the workers. lib/queues.ts creates the queues from it.
import type { DefaultJobOptions } from 'bullmq';
import type { RealtimeEnvelope } from './realtime.js';

/**
 * The pub/sub channel on which routers hear "run a match pass now": freed capacity, an agent becoming
 * Available, and every job added to the routing queue (an arrival, lib/queues.ts).
 */
export const matchChannel = (prefix: string) => `${prefix}:router:match`;

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
  /** Slow or timed Twilio work handed off by the SMS and voice webhooks (media downloads, max wait → voicemail). */
  twilio: 'twilio',
  /** "Has this chat visitor left?", asked after the leave grace by whichever server node takes the job. */
  chatLeaveCheck: 'chat-leave-check',
  /** Customer notices owed by cases (sent as outbound interactions) and the auto-close of solved cases. */
  customerNotices: 'customer-notices',
  /** Automation rules' periodic work: the time-based rules ("N hours since …"). */
  automation: 'automation',
  /** Outbound webhook deliveries, retried with backoff for a day. */
  webhooks: 'webhooks',
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

/** Router triggers: `match` runs a match pass (delayed: a cool-down's end). */
export type RouterEventJob =
  | { type: 'match'; reason: string }
  /** an agent's wrap-up time is up: back to Available (lifecycle/wrap-up.ts) */
  | { type: 'wrap-up-end'; agentId: number };

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

/** Twilio work the webhooks hand off (channels/twilio/jobs.ts adds them; jobId per kind keeps them idempotent). */
export type TwilioJob =
  | { kind: 'fetch-media'; interactionId: number }
  | { kind: 'max-wait'; callId: number; queuedAt: string };

/** A chat visitor whose last socket closed: checked after the leave grace (channels/chat/leave-check.ts). */
export interface ChatLeaveCheckJob {
  visitorId: string;
}

/** Customer messages the notifications worker sends (customer-messages/). Secrets stay in Redis only until sent. */
export type NotificationJob =
  | { kind: 'magic-link'; to: string; link: string; language: string }
  | { kind: 'sms-code'; to: string; code: string; language: string }
  | { kind: 'chat-transcript'; caseId: number; to: string; language: string }
  | { kind: 'transcript-confirm'; to: string; link: string; language: string }
  | { kind: 'portal-reply'; interactionId: number };

/**
 * `sweep`: turn the pending case_notices rows into outbound interactions (nudged after a status change,
 * repeated every minute); `auto-close`: close solved cases with no reply for the configured days (repeated).
 */
export type CustomerNoticeJob = { type: 'sweep' } | { type: 'auto-close' };
/** `time-sweep`: a repeatable job that runs the time-based automation rules (automation/time-rules.ts). */
export type AutomationJob = { type: 'time-sweep' };

/** One delivery of an outbound webhook (automation/webhooks.ts); the row in webhook_deliveries is the truth. */
export interface WebhookJob {
  deliveryId: number;
}

/** One queue: its name, who consumes it, and the options every job gets unless the producer says otherwise. */
export interface QueueSpec<Payload> {
  name: (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];
  consumer: string;
  options?: DefaultJobOptions;
  /** type only: the job payload (never set) */
  readonly payload?: Payload;
}

const spec = <P>(s: QueueSpec<P>): QueueSpec<P> => s;

export const QUEUES = {
  routing: spec<RoutingJob>({ name: QUEUE_NAMES.routing, consumer: 'workers/src/processors/router.ts (reads waiting cases in priority order)' }),
  outbound: spec<OutboundJob>({
    name: QUEUE_NAMES.outbound,
    consumer: 'workers/src/processors/outbound.ts',
    // a provider that is down gets about a minute; the outbound sweep (outbound/sweep.ts) picks up the rest
    options: { attempts: 6, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 },
  }),
  notifications: spec<NotificationJob>({ name: QUEUE_NAMES.notifications, consumer: 'workers/src/processors/notifications.ts (options per job: customer-messages/jobs.ts)' }),
  realtime: spec<RealtimeEnvelope>({ name: QUEUE_NAMES.realtime, consumer: 'a server node: plugins/realtime.ts' }),
  routerEvents: spec<RouterEventJob>({ name: QUEUE_NAMES.routerEvents, consumer: 'workers/src/processors/router.ts', options: { removeOnComplete: true, removeOnFail: 1000 } }),
  lifecycle: spec<LifecycleJob>({
    name: QUEUE_NAMES.lifecycle,
    consumer: 'workers/src/processors/lifecycle.ts',
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
  }),
  agentSockets: spec<AgentSocketJob>({ name: QUEUE_NAMES.agentSockets, consumer: 'a server node: routing/agent-socket.ts', options: { removeOnComplete: true, removeOnFail: 1000 } }),
  twilio: spec<TwilioJob>({
    name: QUEUE_NAMES.twilio,
    consumer: 'workers/src/processors/twilio.ts',
    // Twilio's media URLs and call API may be slow for minutes; the worker's sweep re-adds what is still pending
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 },
  }),
  chatLeaveCheck: spec<ChatLeaveCheckJob>({
    name: QUEUE_NAMES.chatLeaveCheck,
    consumer: 'a server node: channels/chat/leave-check.ts (asks every node whether the visitor still has a tab open)',
    // the producer adds the leave grace as the delay
    options: { removeOnComplete: true, removeOnFail: 100, attempts: 3, backoff: { type: 'fixed', delay: 1000 } },
  }),
  customerNotices: spec<CustomerNoticeJob>({
    name: QUEUE_NAMES.customerNotices,
    consumer: 'workers/src/processors/customer-notices.ts (repeatable jobs set up there)',
    options: { removeOnComplete: true, removeOnFail: 100 },
  }),
  automation: spec<AutomationJob>({ name: QUEUE_NAMES.automation, consumer: 'workers/src/processors/automation.ts', options: { removeOnComplete: true, removeOnFail: 100 } }),
  webhooks: spec<WebhookJob>({
    name: QUEUE_NAMES.webhooks,
    consumer: 'workers/src/processors/automation.ts (retries: backoff type "webhook", automation/webhook-send.ts webhookBackoffMs)',
    // the attempt count is only a ceiling: a delivery stops being retried when its day is over (config.automation.webhookRetryForMs)
    options: { attempts: 40, backoff: { type: 'webhook' }, removeOnComplete: 1000, removeOnFail: 5000 },
  }),
} as const;
