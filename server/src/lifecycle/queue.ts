import type { Log as Logger } from '../lib/log.js';
import type { Queryable, Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { routingJobId, type RoutingJob } from '../contracts/jobs.js';
import { computeRoutingPriority } from '../routing/priority.js';
import { withTimeout } from '../lib/with-timeout.js';

export interface RoutingQueueLike {
  add(name: string, data: RoutingJob, opts: { jobId: string; priority: number; removeOnComplete?: boolean; removeOnFail?: boolean }): Promise<unknown>;
}

/**
 * Marks a case as waiting in Postgres (the system of record). The first queue entry time
 * survives re-entries so a declined or transferred case keeps its place.
 */
export async function queueInTx(tx: Tx, caseId: number, event: 'queued' | 'requeued', data: Record<string, unknown> = {}): Promise<void> {
  const priority = await computeRoutingPriority(tx, caseId);
  await tx.query(
    `UPDATE cases SET routing_state = 'waiting', first_queued_at = COALESCE(first_queued_at, now()),
            routing_priority = $2, enqueue_pending = true, updated_at = now()
      WHERE id = $1`,
    [caseId, priority],
  );
  await writeCaseEvent(tx, { caseId, type: event, data: { priority, ...data } });
}

/** Puts a waiting case on the routing queue. False when Redis is unreachable: the recovery sweep retries. */
export async function enqueueCase(
  db: Queryable,
  queue: RoutingQueueLike,
  caseId: number,
  reason: RoutingJob['reason'],
  log?: Logger,
  /** The case's place as the caller just committed it: saves reading it back. */
  known?: { priority: number; firstQueuedAt: Date },
): Promise<boolean> {
  const row = known
    ? { routing_state: 'waiting', routing_priority: known.priority, first_queued_at: known.firstQueuedAt }
    : (await db.query(`SELECT routing_state, routing_priority, first_queued_at FROM cases WHERE id = $1`, [caseId])).rows[0];
  if (!row || row.routing_state !== 'waiting') {
    await db.query(`UPDATE cases SET enqueue_pending = false WHERE id = $1 AND routing_state <> 'waiting'`, [caseId]);
    return false;
  }
  try {
    await withTimeout(
      queue.add(
        'route',
        { caseId, priority: row.routing_priority, firstQueuedAt: new Date(row.first_queued_at).toISOString(), reason },
        { jobId: routingJobId(caseId), priority: row.routing_priority, removeOnComplete: true, removeOnFail: true },
      ),
      // a webhook waits on this: an outage must cost little before falling back to the sweep
      1500,
    );
  } catch (err) {
    log?.warn({ err, caseId }, 'routing queue unreachable; case stays committed and the recovery sweep will enqueue it');
    return false;
  }
  if (known) {
    // The caller (a webhook) is waiting: a router that already took the job may hold the case row, so the
    // flag is cleared only if the row is free. Left set, the flag costs the recovery sweep one look, and
    // routing clears it on assignment.
    await db.query(`UPDATE cases SET enqueue_pending = false WHERE id = (SELECT id FROM cases WHERE id = $1 FOR UPDATE SKIP LOCKED)`, [caseId]);
  } else await db.query(`UPDATE cases SET enqueue_pending = false WHERE id = $1`, [caseId]);
  return true;
}

/** Safety net: enqueue every committed case whose routing job never reached Redis. */
export async function sweepPendingEnqueues(db: Queryable, queue: RoutingQueueLike, log?: Logger, limit = 500): Promise<number> {
  const r = await db.query(
    `SELECT id FROM cases WHERE enqueue_pending ORDER BY routing_priority, first_queued_at LIMIT $1`,
    [limit],
  );
  let n = 0;
  for (const row of r.rows) if (await enqueueCase(db, queue, row.id, 'recovery', log)) n++;
  return n;
}
