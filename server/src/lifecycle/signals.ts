import type { RoutingQueues } from './deps.js';
import { routingJobId } from '../contracts/jobs.js';

/**
 * Asks a router to run a match pass now (or after `delayMs`). Losing one to a Redis outage only
 * delays routing until the periodic sweep; it never loses a case, which lives in Postgres.
 */
export async function requestMatch(queues: Pick<RoutingQueues, 'routerEvents'>, reason: string, delayMs = 0): Promise<void> {
  await queues.routerEvents
    .add('match', { type: 'match', reason }, delayMs > 0 ? { delay: delayMs } : {})
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
