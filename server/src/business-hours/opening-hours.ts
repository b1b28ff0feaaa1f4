import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { poolCache } from '../lib/pool-cache.js';
import type { BusinessHours } from '../channels/twilio/numbers.js';
import type { BusinessCalendar, Holiday } from './calendar.js';

/**
 * The opening hours that apply to a queue: its own (Admin → Business hours), else the organisation's,
 * else none (always open). Shaped like a phone number's own hours, which win over both.
 */
export async function openingHoursFor(db: Queryable, queueId: number | null): Promise<BusinessHours | null> {
  const r = await db.query(
    `SELECT time_zone, weekly, holidays FROM business_hours WHERE queue_id = $1 OR queue_id IS NULL ORDER BY queue_id NULLS LAST LIMIT 1`,
    [queueId],
  );
  const row = r.rows[0];
  return row ? { timezone: row.time_zone, weekly: row.weekly, holidays: row.holidays } : null;
}

/**
 * Opening hours as inbound SMS reads them (the after-hours reply), once per few seconds per queue instead
 * of once per message. Changes made through this process (Admin → Business hours) drop the cache at once;
 * other nodes see them within OPENING_HOURS_CACHE_MS, as they do a phone number's own hours.
 */
export const OPENING_HOURS_CACHE_MS = 5_000;
const openingHours = poolCache<number | null, BusinessHours | null>(OPENING_HOURS_CACHE_MS);

export function cachedOpeningHoursFor(db: pg.Pool, queueId: number | null): Promise<BusinessHours | null> {
  return openingHours.get(db, queueId, () => openingHoursFor(db, queueId));
}

export function invalidateOpeningHours(db: pg.Pool): void {
  openingHours.clear(db);
}

/**
 * The business calendar SLA clocks of a queue's cases count in: the queue's own hours, else the
 * organisation's; null (always open) when neither is set.
 */
export async function calendarFor(db: Queryable, queueId: number | null): Promise<BusinessCalendar | null> {
  const h = await openingHoursFor(db, queueId);
  return h ? { timeZone: h.timezone, weekly: h.weekly, holidays: h.holidays as Holiday[] | undefined } : null;
}

/** A business_hours row as read for several queues at once (the SLA batch recomputation). */
export interface OpeningHoursRow {
  queue_id: number | null;
  time_zone: string;
  weekly: BusinessCalendar['weekly'];
  holidays: Holiday[] | null;
}

/**
 * calendarFor from rows already read (the queues' own and the organisation's): the queue's own hours,
 * else the organisation's, else null.
 */
export function calendarOf(rows: OpeningHoursRow[], queueId: number | null): BusinessCalendar | null {
  const h = (queueId != null ? rows.find((r) => r.queue_id != null && Number(r.queue_id) === Number(queueId)) : undefined) ?? rows.find((r) => r.queue_id == null);
  return h ? { timeZone: h.time_zone, weekly: h.weekly, holidays: h.holidays as Holiday[] | undefined } : null;
}
