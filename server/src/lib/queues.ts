import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type OutboundJob, type RoutingJob } from '../contracts/jobs.js';
import type { RealtimeEnvelope } from '../contracts/realtime.js';

export interface HubQueues {
  routing: Queue<RoutingJob>;
  outbound: Queue<OutboundJob>;
  notifications: Queue;
  realtime: Queue<RealtimeEnvelope>;
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
  for (const q of [routing, outbound, notifications, realtime]) q.on('error', () => {});
  return {
    routing,
    outbound,
    notifications,
    realtime,
    async closeAll() {
      await Promise.all([routing.close(), outbound.close(), notifications.close(), realtime.close()]);
    },
  };
}
