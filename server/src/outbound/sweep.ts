import type { Queryable } from '../db/pool.js';

/** An outbound message not handed to its provider yet: the predicate of the index that holds only those (migration 1782). */
export const OUTBOUND_IN_FLIGHT = `direction = 'outbound' AND delivery_status IN ('queued', 'sending') AND provider_message_id IS NULL`;

/** Outbound messages not handed to their provider for `$2` ms, oldest first, read through that index. */
export const WAITING_OUTBOUND = `SELECT id FROM interactions
  WHERE ${OUTBOUND_IN_FLIGHT} AND updated_at < now() - make_interval(secs => $2::float8 / 1000)
  ORDER BY id LIMIT $1`;

/**
 * Safety net for replies whose delivery job was lost (Redis restarted empty, a worker killed): re-adds
 * a job for outbound interactions still waiting after a minute. Only those the provider does not
 * hold yet: one with a provider id is waiting for its status callback, not for another send. The
 * job itself reconciles an interrupted attempt with the provider before sending (outbound/deliver.ts).
 */
export async function sweepQueuedOutbound(
  db: Queryable,
  queue: { add(name: string, data: { interactionId: number }, opts: { jobId: string }): Promise<unknown> },
  limit = 500,
  afterMs = 60_000,
): Promise<number> {
  // A worker that died after the provider's id was recorded but before its attempt was closed leaves the
  // attempt pending, and such a message is never sent again (so no job would close it): close it here.
  await db.query(
    `UPDATE delivery_attempts d SET outcome = 'accepted', finished_at = now(),
            provider = COALESCE(d.provider, i.provider), provider_message_id = COALESCE(d.provider_message_id, i.provider_message_id)
       FROM interactions i
      WHERE d.interaction_id = i.id AND d.outcome = 'pending' AND i.provider_message_id IS NOT NULL
        AND d.started_at < now() - make_interval(secs => $1::float8 / 1000)`,
    [afterMs],
  );
  const r = await db.query(WAITING_OUTBOUND, [limit, afterMs]);
  // the job id names this sweep's pass too: an older job with the same id may linger as completed or failed
  const minute = Math.floor(Date.now() / 60_000);
  for (const row of r.rows) await queue.add('deliver', { interactionId: row.id }, { jobId: `out-${row.id}-sweep-${minute}` });
  return r.rowCount ?? 0;
}
