import type { Queryable } from '../../db/pool.js';

export type KeywordAction = 'opt_out' | 'opt_in' | null;

// Carrier-standard keywords plus what Persian-speaking customers actually send.
const OPT_OUT = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'لغو', 'توقف', 'لغوعضویت', 'انصراف', 'لغواشتراک', 'استاپ']);
const OPT_IN = new Set(['start', 'unstop', 'yes', 'subscribe', 'شروع', 'عضویت', 'ادامه', 'فعالسازی', 'استارت']);

/** Canonical keyword: case, spacing, ZWNJ, punctuation, Arabic letter forms and digits do not matter. */
export function normaliseKeyword(body: string): string {
  return body
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\u064A/g, '\u06CC') // Arabic yeh → Persian yeh
    .replace(/\u0643/g, '\u06A9') // Arabic kaf → Persian keheh
    .replace(/[\u200c\u200d\u200e\u200f\s]+/g, '')
    .replace(/[.!؟?،,;:'"()\-_]+/g, '')
    .replace(/[0-9\u06F0-\u06F9\u0660-\u0669]+$/u, ''); // "لغو11", "STOP1"
}

/** Whether an inbound text is an opt-out or opt-in keyword (Twilio's OptOutType wins when present). */
export function keywordAction(body: string, optOutType?: string): KeywordAction {
  const t = optOutType?.toUpperCase();
  if (t === 'STOP') return 'opt_out';
  if (t === 'START') return 'opt_in';
  const k = normaliseKeyword(body);
  if (OPT_OUT.has(k)) return 'opt_out';
  if (OPT_IN.has(k)) return 'opt_in';
  return null;
}

export async function setOptOut(db: Queryable, phone: string, optedOut: boolean): Promise<void> {
  await db.query(
    `UPDATE customer_identities SET opted_out_at = CASE WHEN $2 THEN COALESCE(opted_out_at, now()) ELSE NULL END
      WHERE kind = 'phone' AND value = $1`,
    [phone, optedOut],
  );
}

/** SQL: when the phone number `phone` (a placeholder or expression) opted out of SMS, null if it did not. */
export const optedOutAtSql = (phone: string) => `SELECT opted_out_at FROM customer_identities WHERE kind = 'phone' AND value = ${phone}`;

export async function optedOutAt(db: Queryable, phone: string): Promise<Date | null> {
  const r = await db.query(optedOutAtSql('$1'), [phone]);
  return r.rows[0]?.opted_out_at ?? null;
}

export const OPT_REPLIES: Record<'opt_out' | 'opt_in', Record<string, string>> = {
  opt_out: {
    en: 'You are unsubscribed and will receive no more messages from us. Reply START to subscribe again.',
    fa: 'اشتراک شما لغو شد و دیگر پیامی از ما دریافت نمی‌کنید. برای عضویت دوباره «شروع» را ارسال کنید.',
  },
  opt_in: {
    en: 'You are subscribed again and will receive our messages. Reply STOP to unsubscribe.',
    fa: 'عضویت شما دوباره فعال شد. برای لغو «لغو» را ارسال کنید.',
  },
};
