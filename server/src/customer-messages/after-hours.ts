// What customers hear when they write while the hub is closed (Admin → Business hours): the chat widget
// offers its offline form (channels/chat/availability.ts), and an SMS conversation gets one auto-reply
// per closure.
import type { Queryable } from '../db/pool.js';
import { isOpen, type BusinessHours } from '../channels/twilio/numbers.js';

const STEP_MS = 15 * 60_000;
const LOOK_BACK_MS = 31 * 24 * 3600_000;

/**
 * When the current closure began, to the quarter hour: the first closed instant after the last open one
 * (schedules are set in minutes, so quarter-hour steps find every opening of any realistic schedule).
 * A schedule closed for the whole look-back (a line that is never staffed) is one closure that never began
 * anew: a fixed instant, so every message of a conversation finds the same closure. (It was the look-back's
 * start, which moved with every quarter hour: two messages either side of one both got a reply.)
 */
export function closedSince(hours: BusinessHours, now: Date = new Date()): Date {
  const start = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
  for (let t = start; t > now.getTime() - LOOK_BACK_MS; t -= STEP_MS) {
    if (isOpen(hours, new Date(t))) return new Date(t + STEP_MS);
  }
  return NEVER_OPEN;
}

const NEVER_OPEN = new Date(0);

export const AFTER_HOURS_SMS: Record<'en' | 'fa', string> = {
  en: 'Thank you for your message. We are closed right now and will answer when we open again.',
  fa: 'از پیام شما سپاسگزاریم. اکنون خارج از ساعات کاری هستیم و پس از بازگشایی پاسخ می‌دهیم.',
};

/**
 * The after-hours auto-reply for an SMS just received on `caseId`, or null: null while open, and null when
 * this conversation already had its reply in the current closure (claimed here, so exactly one message
 * per conversation per closure gets one). `hours`: the hours that apply, as the caller resolved them (the
 * number's own, else its queue's or the organisation's; null: always open). The text is the number's own
 * after-hours message in the customer's language, else the default.
 */
export async function afterHoursSmsReply(
  db: Queryable,
  o: { caseId: number; language: string; hours: BusinessHours | null; numberMessage?: Record<string, string> | null },
  now: Date = new Date(),
): Promise<string | null> {
  const hours = o.hours;
  if (!hours || isOpen(hours, now)) return null;
  const claimed = await db.query(`INSERT INTO after_hours_replies (case_id, closed_since) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [o.caseId, closedSince(hours, now)]);
  if (!claimed.rowCount) return null;
  const lang = o.language === 'fa' ? 'fa' : 'en';
  return o.numberMessage?.[lang]?.trim() || AFTER_HOURS_SMS[lang];
}
