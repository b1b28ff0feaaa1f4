import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type QueueSpec, type LifecycleJob, type OutboundJob, type AgentSocketJob, type RouterEventJob, type RoutingJob, type SlaTimerJob } from '../contracts/jobs.js';
import type { RealtimeEnvelope } from '../contracts/realtime.js';

export interface HubQueues {
  routing: Queue<RoutingJob>;
  outbound: Queue<OutboundJob>;
  notifications: Queue;
  realtime: Queue<RealtimeEnvelope>;
  routerEvents: Queue<RouterEventJob>;
  lifecycle: Queue<LifecycleJob>;
  agentSockets: Queue<AgentSocketJob>;
  slaTimers: Queue<SlaTimerJob>;
  /** the queues' own connection and key prefix, for small keys that live beside them (e.g. offer answers) */
  kv: { redis: Redis; prefix: string };
  closeAll(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): HubQueues {
  // names and options come from the registry (contracts/jobs.ts)
  const make = <P>(spec: QueueSpec<P>) => new Queue<P>(spec.name, { connection, prefix, defaultJobOptions: spec.options });
  const routing = make(QUEUES.routing);
  const outbound = make(QUEUES.outbound);
  const notifications: Queue = make(QUEUES.notifications);
  const realtime = make(QUEUES.realtime);
  const routerEvents = make(QUEUES.routerEvents);
  const lifecycle = make(QUEUES.lifecycle);
  const agentSockets = make(QUEUES.agentSockets);
  const slaTimers = make(QUEUES.slaTimers);
  for (const q of [routing, outbound, notifications, realtime, routerEvents, lifecycle, agentSockets, slaTimers]) q.on('error', () => {});
  return {
    routing,
    outbound,
    notifications,
    realtime,
    routerEvents,
    lifecycle,
    agentSockets,
    slaTimers,
    kv: { redis: connection, prefix },
    async closeAll() {
      await Promise.all([routing, outbound, notifications, realtime, routerEvents, lifecycle, agentSockets, slaTimers].map((q) => q.close()));
    },
  };
}
