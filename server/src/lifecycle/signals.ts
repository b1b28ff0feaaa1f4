import type { RoutingQueues } from './deps.js';
import { matchChannel, routingJobId } from '../contracts/jobs.js';
import { bestEffort } from '../lib/best-effort.js';
import type { Log } from '../lib/log.js';

type Warn = Pick<Log, 'warn'> | undefined;

/**
 * Asks the routers to run a match pass now (a pub/sub message: no job to store, take and complete) or
 * after `delayMs` (a delayed job). Losing one to a Redis outage only delays routing until the periodic
 * sweep; it never loses a case, which lives in Postgres.
 */
export async function requestMatch(queues: Pick<RoutingQueues, 'routerEvents' | 'kv'>, reason: string, delayMs = 0, log?: Warn): Promise<void> {
  if (delayMs <= 0) {
    await bestEffort(queues.kv.redis.publish(matchChannel(queues.kv.prefix), reason), log, 'asking the routers for a match pass');
    return;
  }
  await bestEffort(queues.routerEvents.add('match', { type: 'match', reason }, { delay: delayMs }), log, 'scheduling a match pass');
}

/**
 * Ends an agent's wrap-up when its time is up (a delayed job, taken by one router). The job id names the agent
 * and the instant, so a retry does not double it; a lost job is found by the routers' sweep (endOverdueWrapUps).
 */
export async function scheduleWrapUpEnd(queues: Pick<RoutingQueues, 'routerEvents'>, agentId: number, delayMs: number, log?: Warn): Promise<void> {
  const at = Date.now() + Math.max(0, delayMs);
  await bestEffort(
    queues.routerEvents.add('wrap-up-end', { type: 'wrap-up-end', agentId }, { delay: Math.max(0, delayMs), jobId: `wrap-up-end-${agentId}-${at}` }),
    log,
    'scheduling the end of a wrap-up',
  );
}

/** The case no longer waits (assigned, abandoned, solved): take it off the routing queue. */
export async function removeFromRoutingQueue(queues: Pick<RoutingQueues, 'routing'>, caseId: number, log?: Warn): Promise<void> {
  // a job left behind is harmless: the router takes the order from Postgres, and the job names a case no longer waiting
  await bestEffort(queues.routing.remove(routingJobId(caseId)), log, 'removing a routing job');
}
