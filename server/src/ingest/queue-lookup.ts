import type { Queryable } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';

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

type Cache = Map<string, { at: number; value: Promise<QueueForCase | null> }>;
/** One cache per database (pool): a process may serve several. */
const caches = new WeakMap<object, Cache>();

export function invalidateQueueLookups(owner: object): void {
  caches.get(owner)?.clear();
}

/** `owner` keys the cache (the pool); `db` runs the read (the pool or the caller's transaction). */
export function queueForNewCase(owner: object, db: Queryable, channel: Channel, queueId?: number | null): Promise<QueueForCase | null> {
  let cache = caches.get(owner);
  if (!cache) caches.set(owner, (cache = new Map()));
  const key = queueId ? `id:${queueId}` : `channel:${channel}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < QUEUE_CACHE_MS) return hit.value;
  const value = db
    .query(
      queueId
        ? `SELECT id, priority_overrides FROM queues WHERE id = $1`
        : `SELECT id, priority_overrides FROM queues WHERE $1 = ANY(channels) ORDER BY is_default DESC, id LIMIT 1`,
      [queueId ?? channel],
    )
    .then((r) => (r.rowCount ? { id: Number(r.rows[0].id), priorityOverrides: r.rows[0].priority_overrides ?? {} } : null));
  cache.set(key, { at: Date.now(), value });
  // a failed read is not remembered
  value.catch(() => cache.get(key)?.value === value && cache.delete(key));
  return value;
}
