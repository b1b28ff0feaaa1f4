import type { Queryable } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';
import { poolCache } from '../lib/pool-cache.js';

export interface QueueForCase {
  id: number;
  priorityOverrides: Partial<Record<Channel, number>>;
}

/**
 * Which queue a new case joins and the queue's priority overrides, read once per few seconds instead of
 * once per message. Queue changes made through this process (admin routes) drop the cache at once; other
 * nodes see them within QUEUE_CACHE_MS.
 */
export const QUEUE_CACHE_MS = 5_000;

const queues = poolCache<string, QueueForCase | null>(QUEUE_CACHE_MS);

export function invalidateQueueLookups(owner: object): void {
  queues.clear(owner);
}

/** `owner` keys the cache (the pool); `db` runs the read (the pool or the caller's transaction). */
export function queueForNewCase(owner: object, db: Queryable, channel: Channel, queueId?: number | null): Promise<QueueForCase | null> {
  const key = queueId ? `id:${queueId}` : `channel:${channel}`;
  return queues.get(owner, key, () =>
    db
      .query(
        queueId
          ? `SELECT id, priority_overrides FROM queues WHERE id = $1`
          : `SELECT id, priority_overrides FROM queues WHERE $1 = ANY(channels) ORDER BY is_default DESC, id LIMIT 1`,
        [queueId ?? channel],
      )
      .then((r) => (r.rowCount ? { id: Number(r.rows[0].id), priorityOverrides: r.rows[0].priority_overrides ?? {} } : null)),
  );
}
