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
 * A waiting case whose priority changed (case page, rule, bulk action, macro) takes its new rank at once: the
 * router takes waiting cases by `routing_priority`, and the routing job is re-added with it after commit.
 */
export async function rerankIfWaitingInTx(tx: Tx, caseId: number, routingState: string, fx: { reprioritised: number[] }): Promise<void> {
  if (routingState !== 'waiting') return;
  await tx.query(`UPDATE cases SET routing_priority = $2 WHERE id = $1`, [caseId, await computeRoutingPriority(tx, caseId)]);
  fx.reprioritised.push(caseId);
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
  // The caller that knows the case's place is ingest, with a provider waiting for the answer: the flag stays
  // set, and the sweep clears flags in batches (sweepPendingEnqueues), saving a case row write per message.
  if (!known) await db.query(`UPDATE cases SET enqueue_pending = false WHERE id = $1`, [caseId]);
  return true;
}

/**
 * Safety net and flag keeper: every committed waiting case whose flag is still set is (re-)added to the
 * routing queue (a no-op for a job Redis already holds: the job id is the case's) and its flag cleared, a
 * batch at a time with one read and one write. Ingest leaves its flags for this sweep (the router's match
 * passes read waiting cases from Postgres; a job is only the arrival signal, so a re-add costs nothing). A
 * case changed since the read (requeued meanwhile) keeps its flag for the next round.
 */
export async function sweepPendingEnqueues(db: Queryable, queue: RoutingQueueLike, log?: Logger, limit = 500, maxBatches = 20): Promise<number> {
  let n = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const r = await db.query(
      // updated_at as text: a JS Date would drop its microseconds and never match again
      `SELECT id, routing_state, routing_priority, first_queued_at, updated_at::text AS version FROM cases
        WHERE enqueue_pending ORDER BY routing_priority, first_queued_at LIMIT $1`,
      [limit],
    );
    if (!r.rowCount) break;
    const waiting = r.rows.filter((c) => c.routing_state === 'waiting');
    const added = await Promise.all(
      waiting.map((c) =>
        withTimeout(
          queue.add(
            'route',
            { caseId: c.id, priority: c.routing_priority, firstQueuedAt: new Date(c.first_queued_at).toISOString(), reason: 'recovery' },
            { jobId: routingJobId(c.id), priority: c.routing_priority, removeOnComplete: true, removeOnFail: true },
          ),
          1500,
        ).then(
          () => true,
          (err) => (log?.warn({ err, caseId: c.id }, 'routing queue unreachable; the case stays flagged for the next sweep'), false),
        ),
      ),
    );
    const done = [...waiting.filter((_, i) => added[i]), ...r.rows.filter((c) => c.routing_state !== 'waiting')];
    if (done.length) {
      // rows a router holds right now are skipped (no waiting, no deadlock): their flags wait for the next round
      await db.query(
        `UPDATE cases c SET enqueue_pending = false
           FROM (SELECT x.id FROM cases x JOIN unnest($1::bigint[], $2::text[]) AS d(id, version) ON x.id = d.id
                  WHERE x.enqueue_pending AND x.updated_at = d.version::timestamptz
                  FOR UPDATE OF x SKIP LOCKED) s
          WHERE c.id = s.id`,
        [done.map((c) => c.id), done.map((c) => c.version)],
      );
    }
    n += added.filter(Boolean).length;
    if (added.some((a) => !a) || r.rowCount < limit) break;
  }
  return n;
}
