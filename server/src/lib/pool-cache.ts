/**
 * A read remembered for a few seconds per database and key, instead of once per message (a phone number's
 * settings, a new case's queue, opening hours). One cache per `owner` (the pool: a process may serve several
 * databases). What this process changes drops it at once (`clear`); other nodes see a change within `ttlMs`.
 * A failed read is not remembered. `maxEntries`: a cache whose keys come from outside (a number a provider
 * names) is emptied when it grows past it.
 */
export function poolCache<K, V>(ttlMs: number, maxEntries = Number.POSITIVE_INFINITY) {
  const caches = new WeakMap<object, Map<K, { at: number; value: Promise<V> }>>();
  return {
    get(owner: object, key: K, read: () => Promise<V>): Promise<V> {
      let cache = caches.get(owner);
      if (!cache) caches.set(owner, (cache = new Map()));
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      if (cache.size > maxEntries) cache.clear();
      const value = read();
      cache.set(key, { at: Date.now(), value });
      const mine = cache;
      // the caller gets the failure; here it is only forgotten, so the next call reads again
      value.catch(() => mine.get(key)?.value === value && mine.delete(key));
      return value;
    },
    clear(owner: object): void {
      caches.get(owner)?.clear();
    },
  };
}
