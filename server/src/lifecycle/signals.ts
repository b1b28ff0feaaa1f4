import type { RoutingQueues } from './deps.js';
import { routingJobId } from '../contracts/jobs.js';

/** The pub/sub channel on which routers hear "run a match pass now". */
export const matchChannel = (prefix: string) => `${prefix}:router:match`;

/**
 * Asks the routers to run a match pass now (a pub/sub message: no job to store, take and complete) or
 * after `delayMs` (a delayed job). Losing one to a Redis outage only delays routing until the periodic
 * sweep; it never loses a case, which lives in Postgres.
 */
export async function requestMatch(queues: Pick<RoutingQueues, 'routerEvents' | 'kv'>, reason: string, delayMs = 0): Promise<void> {
  if (delayMs <= 0) {
    await queues.kv.redis.publish(matchChannel(queues.kv.prefix), reason).then(() => undefined, () => undefined);
    return;
  }
  await queues.routerEvents
    .add('match', { type: 'match', reason }, { delay: delayMs })
    .then(() => undefined, () => undefined);
}

/** Schedules the expiry of one offer; the jobId makes re-scheduling after a restart idempotent. */
export async function scheduleOfferTimeout(
  queues: Pick<RoutingQueues, 'routerEvents'>,
  offerId: string,
  delayMs: number,
  attempt = 0,
): Promise<void> {
  const jobId = attempt ? `offer-timeout-${offerId}-${attempt}` : `offer-timeout-${offerId}`;
  await queues.routerEvents
    .add('offer-timeout', { type: 'offer-timeout', offerId }, { delay: Math.max(0, delayMs), jobId })
    .then(() => undefined, () => undefined);
}

/** The case no longer waits (assigned, abandoned, solved): take it off the routing queue. */
export async function removeFromRoutingQueue(queues: Pick<RoutingQueues, 'routing'>, caseId: number): Promise<void> {
  await queues.routing.remove(routingJobId(caseId)).then(() => undefined, () => undefined);
}
