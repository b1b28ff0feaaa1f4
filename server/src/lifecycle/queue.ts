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
 * survives re-entries so a declined or transferred case keeps its place. The case gets an enqueue mark
 * (its job may be missing from Redis until the caller's enqueueCase after commit, or the sweep, adds it);
 * a mark a path out of the waiting state left behind simply stays.
 */
export async function queueInTx(tx: Tx, caseId: number, event: 'queued' | 'requeued', data: Record<string, unknown> = {}): Promise<void> {
  const priority = await computeRoutingPriority(tx, caseId);
  await tx.query(
    `WITH c AS (
       UPDATE cases SET routing_state = 'waiting', first_queued_at = COALESCE(first_queued_at, now()),
              routing_priority = $2, updated_at = now()
        WHERE id = $1 RETURNING id
     )
     INSERT INTO case_enqueue_marks (case_id) SELECT id FROM c ON CONFLICT DO NOTHING`,
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
  // a case that no longer waits needs no job; a mark it may have is the sweep's to delete
  if (!row || row.routing_state !== 'waiting') return false;
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
  // The caller that knows the case's place is ingest, with a provider waiting for the answer: the mark stays,
  // and the sweep deletes marks in batches (sweepPendingEnqueues), saving a statement per message.
  if (!known) await db.query(`DELETE FROM case_enqueue_marks WHERE case_id = $1`, [caseId]);
  return true;
}

/**
 * Safety net and mark keeper: every marked case that is waiting is (re-)added to the routing queue (a no-op
 * for a job Redis already holds: the job id is the case's) and its mark deleted; the marks of cases that no
 * longer wait (accepted, solved, abandoned: those paths leave their marks here) are deleted without a job.
 * A batch at a time, in queue order, with one read and one delete. Ingest leaves its marks for this sweep (the
 * router's match passes read waiting cases from Postgres; a job is only the arrival signal, so a re-add
 * costs nothing).
 */
export async function sweepPendingEnqueues(db: Queryable, queue: RoutingQueueLike, log?: Logger, limit = 500, maxBatches = 20): Promise<number> {
  let n = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const r = await db.query(
      // updated_at as text: a JS Date would drop its microseconds and never match again
      `SELECT c.id, c.routing_state, c.routing_priority, c.first_queued_at, c.updated_at::text AS version
         FROM case_enqueue_marks m JOIN cases c ON c.id = m.case_id
        ORDER BY c.routing_priority, c.first_queued_at LIMIT $1`,
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
          (err) => (log?.warn({ err, caseId: c.id }, 'routing queue unreachable; the case stays marked for the next sweep'), false),
        ),
      ),
    );
    const done = [...waiting.filter((_, i) => added[i]), ...r.rows.filter((c) => c.routing_state !== 'waiting')];
    if (done.length) await deleteMarksAsRead(db, done);
    n += added.filter(Boolean).length;
    if (added.some((a) => !a) || r.rowCount < limit) break;
  }
  return n;
}

/**
 * Deletes the marks of cases as they were read (`version`: updated_at as text). A case changed since the
 * read (requeued meanwhile: queueInTx bumps updated_at, and its own mark insert found this one and did
 * nothing) keeps its mark for the next round. The case rows are locked, not written: a transaction that is
 * requeueing one right now holds it (it is skipped, no waiting, no deadlock), and one that starts after
 * waits for this delete and then inserts a fresh mark. NO KEY UPDATE is the weakest lock that conflicts
 * with a case update; it leaves alone the key-share locks of rows being inserted for the case (events).
 */
export async function deleteMarksAsRead(db: Queryable, cases: { id: number | string; version: string }[]): Promise<void> {
  await db.query(
    `DELETE FROM case_enqueue_marks m
      USING (SELECT x.id FROM cases x JOIN unnest($1::bigint[], $2::text[]) AS d(id, version) ON x.id = d.id
              WHERE x.updated_at = d.version::timestamptz
              FOR NO KEY UPDATE OF x SKIP LOCKED) s
      WHERE m.case_id = s.id`,
    [cases.map((c) => c.id), cases.map((c) => c.version)],
  );
}
