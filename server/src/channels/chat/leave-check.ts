import { Queue, Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createRedis } from '../../lib/redis.js';
import { rooms } from '../../contracts/realtime.js';
import { currentCase } from './conversation.js';
import { leaveQueue } from './leave-queue.js';
import type { RoutingDeps } from '../../lifecycle/deps.js';
import { settleWithin } from '../../lib/with-timeout.js';
import { bestEffort, logErrors } from '../../lib/best-effort.js';
import { QUEUES, type ChatLeaveCheckJob } from '../../contracts/jobs.js';
import { visitorNamespace } from '../../realtime/namespaces.js';

const QUEUE = QUEUES.chatLeaveCheck.name;

/**
 * "Has this visitor left?" is asked after a grace period by a delayed job rather than a timer,
 * so the check survives the node that saw the disconnect going away; whichever server node takes
 * the job asks every node (through the socket adapter) whether the visitor still has a tab open.
 */
export function startLeaveChecks(app: FastifyInstance, routing: RoutingDeps): { schedule(visitorId: string): Promise<void> } {
  const queue = new Queue<ChatLeaveCheckJob>(QUEUE, { connection: app.redis, prefix: app.config.queuePrefix, defaultJobOptions: QUEUES.chatLeaveCheck.options });
  logErrors(queue, app.log, `queue ${QUEUE}`);
  const connection = createRedis(app.config.redisUrl, 'worker');
  const worker = new Worker<ChatLeaveCheckJob>(
    QUEUE,
    async (job) => {
      const still = await visitorNamespace(app.io).in(rooms.visitor(job.data.visitorId)).fetchSockets();
      if (still.length) return;
      const open = await currentCase(app.db, job.data.visitorId);
      if (open && ['waiting', 'offered'].includes(open.routing_state)) await leaveQueue(routing, open.id);
    },
    { connection, prefix: app.config.queuePrefix, concurrency: 20 },
  );
  worker.on('error', (err) => app.log.warn({ err }, 'chat leave-check worker error'));

  app.addHook('preClose', async () => {
    await settleWithin(worker.close(), 2000);
    await bestEffort(queue.close(), app.log, 'closing the chat leave-check queue');
    connection.disconnect();
  });

  return {
    async schedule(visitorId) {
      await queue
        .add('check', { visitorId }, { delay: app.config.chat.leaveGraceMs })
        .catch((err) => app.log.warn({ err, visitorId }, 'could not schedule the chat leave check'));
    },
  };
}
