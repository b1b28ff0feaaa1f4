import type pg from 'pg';
import { phoneNumberByE164, type PhoneNumberConfig } from './numbers.js';
import { poolCache } from '../../lib/pool-cache.js';

/**
 * The hub's phone numbers as inbound SMS reads them (queue, language), once per few seconds instead of
 * once per message. Changes made through this process (admin routes) drop the cache at once; other nodes
 * see them within NUMBER_CACHE_MS.
 */
export const NUMBER_CACHE_MS = 5_000;

// a provider can name any number: the cache holds at most what the hub owns plus a bounded set of strangers
const numbers = poolCache<string, PhoneNumberConfig | null>(NUMBER_CACHE_MS, 1000);

export function invalidatePhoneNumberLookups(db: pg.Pool): void {
  numbers.clear(db);
}

export function cachedPhoneNumberByE164(db: pg.Pool, e164: string): Promise<PhoneNumberConfig | null> {
  return numbers.get(db, e164, () => phoneNumberByE164(db, e164));
}
