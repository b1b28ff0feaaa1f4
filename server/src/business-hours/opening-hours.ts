import type { Queryable } from '../db/pool.js';
import type { BusinessHours } from '../channels/twilio/numbers.js';

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
