import type { Queryable } from '../../db/pool.js';
import { parseBusinessHoursSpec, type Config } from '../../config.js';
import { openingHoursFor } from '../../business-hours/opening-hours.js';
import { isOpen } from '../twilio/numbers.js';

export interface ChatAvailability {
  online: boolean;
  reason: 'open' | 'closed' | 'no_agents';
}

/** Whether `now` falls inside the configured chat hours (in the configured time zone). */
export function withinBusinessHours(config: Config, now = new Date()): boolean {
  const spec = config.chat.businessHours ? parseBusinessHoursSpec(config.chat.businessHours) : null;
  if (!spec) return true;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: config.chat.timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  const dayOk = spec.fromDay <= spec.toDay ? day >= spec.fromDay && day <= spec.toDay : day >= spec.fromDay || day <= spec.toDay;
  return dayOk && minute >= spec.fromMin && minute < spec.toMin;
}

/**
 * Chat is offered only in business hours — CHAT_BUSINESS_HOURS when set, else the organisation's hours
 * (Admin → Business hours) — and while some agent who takes chats is Available (or in wrap-up: back in moments).
 */
export async function chatAvailability(db: Queryable, config: Config, now = new Date()): Promise<ChatAvailability> {
  const open = config.chat.businessHours ? withinBusinessHours(config, now) : isOpen(await openingHoursFor(db, null), now);
  if (!open) return { online: false, reason: 'closed' };
  const r = await db.query(
    `SELECT EXISTS (
       SELECT 1 FROM agents a JOIN queue_members qm ON qm.agent_id = a.id JOIN queues q ON q.id = qm.queue_id
        WHERE a.active AND a.presence IN ('available', 'wrap_up') AND 'chat' = ANY(q.channels)
          AND COALESCE((a.capacity->>'chat')::int, 0) > 0) AS ok`,
  );
  return r.rows[0].ok ? { online: true, reason: 'open' } : { online: false, reason: 'no_agents' };
}
