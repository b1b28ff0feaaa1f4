import type pg from 'pg';
import { phoneNumberByE164, type PhoneNumberConfig } from './numbers.js';

/**
 * The hub's phone numbers as inbound SMS reads them (queue, language), once per few seconds instead of
 * once per message. Changes made through this process (admin routes) drop the cache at once; other nodes
 * see them within NUMBER_CACHE_MS.
 */
export const NUMBER_CACHE_MS = 5_000;

type Cache = Map<string, { at: number; value: Promise<PhoneNumberConfig | null> }>;
/** One cache per database (pool): a process may serve several. */
const caches = new WeakMap<object, Cache>();

export function invalidatePhoneNumberLookups(db: pg.Pool): void {
  caches.get(db)?.clear();
}

export function cachedPhoneNumberByE164(db: pg.Pool, e164: string): Promise<PhoneNumberConfig | null> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(e164);
  if (hit && Date.now() - hit.at < NUMBER_CACHE_MS) return hit.value;
  // a provider can name any number: the cache holds at most what the hub owns plus a bounded set of strangers
  if (cache.size > 1000) cache.clear();
  const value = phoneNumberByE164(db, e164);
  cache.set(e164, { at: Date.now(), value });
  // a failed read is not remembered
  value.catch(() => cache.get(e164)?.value === value && cache.delete(e164));
  return value;
}
