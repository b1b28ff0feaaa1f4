import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, matchChannel, type QueueSpec, type LifecycleJob, type OutboundJob, type AgentSocketJob, type RouterEventJob, type RoutingJob, type CustomerNoticeJob, type AutomationJob, type WebhookJob } from '../contracts/jobs.js';
import type { RealtimeEnvelope } from '../contracts/realtime.js';
import { logErrors } from './best-effort.js';
import type { Log } from './log.js';

export interface HubQueues {
  routing: Queue<RoutingJob>;
  outbound: Queue<OutboundJob>;
  notifications: Queue;
  realtime: Queue<RealtimeEnvelope>;
  routerEvents: Queue<RouterEventJob>;
  lifecycle: Queue<LifecycleJob>;
  agentSockets: Queue<AgentSocketJob>;
  customerNotices: Queue<CustomerNoticeJob>;
  automation: Queue<AutomationJob>;
  webhooks: Queue<WebhookJob>;
  /** the queues' own connection and key prefix, for small keys that live beside them (e.g. offer answers) */
  kv: { redis: Redis; prefix: string };
  closeAll(): Promise<void>;
}

/**
 * The unified routing queue. A job added to it is an arrival, and the routers hear of it as a pub/sub message on
 * their match channel, published on the same connection together with the add. Before, every router read the
 * queue's event stream for its `waiting` events; that stream has three entries per job, and every router read
 * all of them. No router takes jobs from this queue: the order is read from Postgres (docs/routing-queue.md).
 * The job's case is committed before it is added, so the match pass finds it whichever of the two commands
 * Redis runs first.
 */
class RoutingQueue extends Queue<RoutingJob> {
  constructor(
    spec: QueueSpec<RoutingJob>,
    private readonly arrivals: { redis: Redis; prefix: string },
  ) {
    super(spec.name, { connection: arrivals.redis, prefix: arrivals.prefix, defaultJobOptions: spec.options });
  }

  private announce(): Promise<number> {
    return this.arrivals.redis.publish(matchChannel(this.arrivals.prefix), 'arrival');
  }

  override async add(...args: Parameters<Queue<RoutingJob>['add']>): ReturnType<Queue<RoutingJob>['add']> {
    const [job] = await Promise.all([super.add(...args), this.announce()]);
    return job;
  }

  override async addBulk(...args: Parameters<Queue<RoutingJob>['addBulk']>): ReturnType<Queue<RoutingJob>['addBulk']> {
    const [jobs] = await Promise.all([super.addBulk(...args), this.announce()]);
    return jobs;
  }
}

/** `log` hears the queues' connection errors (a Redis outage), at most one line per queue every 30 s. */
export function createQueues(connection: Redis, prefix: string, log?: Pick<Log, 'warn'>): HubQueues {
  // names and options come from the registry (contracts/jobs.ts)
  const make = <P>(spec: QueueSpec<P>) => new Queue<P>(spec.name, { connection, prefix, defaultJobOptions: spec.options });
  const routing: Queue<RoutingJob> = new RoutingQueue(QUEUES.routing, { redis: connection, prefix });
  const outbound = make(QUEUES.outbound);
  const notifications: Queue = make(QUEUES.notifications);
  const realtime = make(QUEUES.realtime);
  const routerEvents = make(QUEUES.routerEvents);
  const lifecycle = make(QUEUES.lifecycle);
  const agentSockets = make(QUEUES.agentSockets);
  const customerNotices = make(QUEUES.customerNotices);
  const automation = make(QUEUES.automation);
  const webhooks = make(QUEUES.webhooks);
  const all = [routing, outbound, notifications, realtime, routerEvents, lifecycle, agentSockets, customerNotices, automation, webhooks];
  for (const q of all) logErrors(q, log, `queue ${q.name}`);
  return {
    routing,
    outbound,
    notifications,
    realtime,
    routerEvents,
    lifecycle,
    agentSockets,
    customerNotices,
    automation,
    webhooks,
    kv: { redis: connection, prefix },
    async closeAll() {
      await Promise.all(all.map((q) => q.close()));
    },
  };
}
