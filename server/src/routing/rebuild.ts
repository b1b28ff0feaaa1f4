/**
 * Recovery: Postgres is the record of who waits and who holds an offer. After Redis lost its data
 * (flush, failover without persistence) or a router restarted, every waiting or offered case is put
 * back on the routing queue in its order, offers in flight are re-sent to the agent (who may have
 * missed them), and offers that expired meanwhile are settled.
 */
import { routingJobId } from '../contracts/jobs.js';
import type { RoutingDeps } from '../lifecycle/deps.js';
import { emitOffer } from '../lifecycle/emits.js';
import { expireOffer } from '../lifecycle/offers.js';
import { deleteMarksAsRead } from '../lifecycle/queue.js';

export async function rebuildRoutingQueue(deps: RoutingDeps): Promise<{ cases: number; offersReissued: number; offersExpired: number }> {
  const r = await deps.db.query(
    // updated_at as text: the marks deleted below are those of cases as read here (deleteMarksAsRead)
    `SELECT id, routing_priority, first_queued_at, updated_at::text AS version FROM cases
      WHERE routing_state IN ('waiting', 'offered') ORDER BY routing_priority, first_queued_at, id`,
  );
  // added in queue order, so BullMQ's insertion order within a priority matches first-queued time
  for (let i = 0; i < r.rows.length; i += 200) {
    const chunk = r.rows.slice(i, i + 200);
    await deps.queues.routing.addBulk(
      chunk.map((c) => ({
        name: 'route',
        data: { caseId: c.id, priority: c.routing_priority ?? 100, firstQueuedAt: new Date(c.first_queued_at ?? Date.now()).toISOString(), reason: 'recovery' as const },
        opts: { jobId: routingJobId(c.id), priority: c.routing_priority ?? 100, removeOnComplete: true, removeOnFail: true },
      })),
    );
  }
  // their jobs are in Redis now; marks of cases that left the queue are the sweep's
  if (r.rows.length) await deleteMarksAsRead(deps.db, r.rows);

  const offers = await deps.db.query(
    `SELECT id, agent_id, GREATEST(0, EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::int AS ms_left
       FROM offers WHERE status = 'pending' ORDER BY created_at`,
  );
  let offersReissued = 0;
  let offersExpired = 0;
  for (const o of offers.rows) {
    if (o.ms_left <= 0) {
      await expireOffer(deps, o.id);
      offersExpired++;
    } else {
      await emitOffer(deps, o.agent_id, o.id);
      offersReissued++;
    }
  }
  return { cases: r.rows.length, offersReissued, offersExpired };
}
