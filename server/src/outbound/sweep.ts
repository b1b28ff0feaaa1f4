import type { Queryable } from '../db/pool.js';

/** Safety net for replies: re-add delivery jobs for outbound interactions still queued after a minute. */
export async function sweepQueuedOutbound(
  db: Queryable,
  queue: { add(name: string, data: { interactionId: number }, opts: { jobId: string }): Promise<unknown> },
  limit = 500,
): Promise<number> {
  const r = await db.query(
    `SELECT id FROM interactions WHERE direction = 'outbound' AND delivery_status = 'queued' AND updated_at < now() - interval '1 minute'
      ORDER BY id LIMIT $1`,
    [limit],
  );
  for (const row of r.rows) await queue.add('deliver', { interactionId: row.id }, { jobId: `out-${row.id}` });
  return r.rowCount ?? 0;
}
