import type { Queryable } from '../../db/pool.js';
import { isOpenAt, type Holiday } from '../../business-hours/calendar.js';
import type { PhoneNumberPrompts } from '../../voice-prompts/library.js';
import type { VoiceProviderName, Weekday } from '../../contracts/phone-numbers.js';

export interface IvrOption {
  digit: string;
  queueId: number;
  label?: Record<string, string>;
}

export interface PhoneNumberConfig {
  id: number;
  e164: string;
  friendlyName: string;
  queueId: number | null;
  smsEnabled: boolean;
  voiceEnabled: boolean;
  defaultLanguage: string;
  greeting: Record<string, string>;
  ivr: { prompt?: Record<string, string>; timeoutSeconds?: number; options: IvrOption[] } | null;
  businessHours: BusinessHours | null;
  afterHoursMessage: Record<string, string>;
  voicemailEnabled: boolean;
  /** who carries this number's calls (channels/voice/providers/); null: the deployment's default (voiceProviderOf) */
  voiceProvider: VoiceProviderName | null;
  /** the gateway this number's texts go through (channels/sms/providers/) */
  smsProvider: 'twilio' | 'kavenegar';
  /** the sender as that provider knows it, when not the E.164 number (a Kavenegar line such as 10004346) */
  smsSender: string | null;
  /** recordings uploaded for this number, replacing sentences of the default prompt set (voice-prompts/) */
  prompts: PhoneNumberPrompts;
}

export interface BusinessHours {
  timezone: string;
  /** day (sun..sat) → list of [open, close] in HH:MM local time */
  weekly: Partial<Record<Weekday, [string, string][]>>;
  /** dates (YYYY-MM-DD, local to the time zone) closed all day; `to` ends a range, `yearly` repeats it */
  holidays?: { date: string; to?: string; yearly?: boolean; calendar?: 'gregory' | 'persian'; name?: string }[];
}

export { WEEKDAYS, type Weekday } from '../../contracts/phone-numbers.js';

export const PHONE_NUMBER_COLUMNS = `id, e164, friendly_name AS "friendlyName", queue_id AS "queueId", sms_enabled AS "smsEnabled",
  voice_enabled AS "voiceEnabled", default_language AS "defaultLanguage", greeting, ivr, business_hours AS "businessHours",
  after_hours_message AS "afterHoursMessage", voicemail_enabled AS "voicemailEnabled", sms_provider AS "smsProvider", sms_sender AS "smsSender", prompts,
  provider AS "voiceProvider"`;

export async function phoneNumberByE164(db: Queryable, e164: string): Promise<PhoneNumberConfig | null> {
  const r = await db.query(`SELECT ${PHONE_NUMBER_COLUMNS} FROM phone_numbers WHERE e164 = $1`, [e164]);
  return r.rows[0] ?? null;
}

export async function phoneNumberById(db: Queryable, id: number): Promise<PhoneNumberConfig | null> {
  const r = await db.query(`SELECT ${PHONE_NUMBER_COLUMNS} FROM phone_numbers WHERE id = $1`, [id]);
  return r.rows[0] ?? null;
}

/** The number the business texts or calls a customer from: the one they used, else the first enabled one. */
export async function senderNumber(db: Queryable, kind: 'sms' | 'voice', preferred: string | null): Promise<string | null> {
  const col = kind === 'sms' ? 'sms_enabled' : 'voice_enabled';
  if (preferred) {
    const r = await db.query(`SELECT e164 FROM phone_numbers WHERE e164 = $1 AND ${col}`, [preferred]);
    if (r.rowCount) return r.rows[0].e164;
  }
  const r = await db.query(`SELECT e164 FROM phone_numbers WHERE ${col} ORDER BY id LIMIT 1`);
  return r.rows[0]?.e164 ?? null;
}

/**
 * Whether the number is open at `now` by its weekly schedule and holidays in its own time zone — the same
 * calendar arithmetic as SLA clocks (business-hours/calendar.ts): night shifts past midnight, holiday
 * ranges and yearly holidays included.
 */
export function isOpen(hours: BusinessHours | null, now: Date = new Date()): boolean {
  if (!hours) return true;
  return isOpenAt({ timeZone: hours.timezone, weekly: hours.weekly, holidays: hours.holidays as Holiday[] | undefined }, now);
}

export { validTimeZone } from '../../lib/time-zone.js';
