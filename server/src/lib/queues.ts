import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type LifecycleJob, type OutboundJob, type AgentSocketJob, type RouterEventJob, type RoutingJob } from '../contracts/jobs.js';
import type { RealtimeEnvelope } from '../contracts/realtime.js';

export interface HubQueues {
  routing: Queue<RoutingJob>;
  outbound: Queue<OutboundJob>;
  notifications: Queue;
  realtime: Queue<RealtimeEnvelope>;
  routerEvents: Queue<RouterEventJob>;
  lifecycle: Queue<LifecycleJob>;
  agentSockets: Queue<AgentSocketJob>;
  /** the queues' own connection and key prefix, for small keys that live beside them (e.g. offer answers) */
  kv: { redis: Redis; prefix: string };
  closeAll(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): HubQueues {
  const routing = new Queue<RoutingJob>(QUEUE_NAMES.routing, { connection, prefix });
  const outbound = new Queue<OutboundJob>(QUEUE_NAMES.outbound, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 6, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 },
  });
  const notifications = new Queue(QUEUE_NAMES.notifications, { connection, prefix });
  const realtime = new Queue<RealtimeEnvelope>(QUEUE_NAMES.realtime, { connection, prefix });
  const routerEvents = new Queue<RouterEventJob>(QUEUE_NAMES.routerEvents, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 },
  });
  const lifecycle = new Queue<LifecycleJob>(QUEUE_NAMES.lifecycle, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
  });
  const agentSockets = new Queue<AgentSocketJob>(QUEUE_NAMES.agentSockets, { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } });
  for (const q of [routing, outbound, notifications, realtime, routerEvents, lifecycle, agentSockets]) q.on('error', () => {});
  return {
    routing,
    outbound,
    notifications,
    realtime,
    routerEvents,
    lifecycle,
    agentSockets,
    kv: { redis: connection, prefix },
    async closeAll() {
      await Promise.all([routing, outbound, notifications, realtime, routerEvents, lifecycle, agentSockets].map((q) => q.close()));
    },
  };
}
