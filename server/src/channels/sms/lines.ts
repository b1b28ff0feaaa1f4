import type { Queryable } from '../../db/pool.js';
import type { SmsLine, SmsProviderName } from './provider.js';

const COLUMNS = `e164, sms_provider AS provider, COALESCE(sms_sender, e164) AS sender`;

/**
 * SQL: the line the business texts a customer from: the number `preferred` (an SQL expression) if it is
 * SMS-enabled (the number they wrote to, so the conversation stays in one thread on their phone), else the
 * first SMS-enabled number. The line names its provider.
 */
export const lineForSql = (preferred: string) =>
  `SELECT ${COLUMNS} FROM phone_numbers WHERE sms_enabled ORDER BY e164 = ${preferred} DESC NULLS LAST, id LIMIT 1`;

export async function smsLineFor(db: Queryable, preferredE164: string | null): Promise<SmsLine | null> {
  const r = await db.query(lineForSql('$1::text'), [preferredE164]);
  return r.rows[0] ?? null;
}

/** The line a provider's callback names (`to` of an inbound message), by the provider's form of it or by E.164. */
export async function smsLineByProviderAddress(db: Queryable, provider: SmsProviderName, address: string, e164: string | null): Promise<SmsLine | null> {
  const r = await db.query(
    `SELECT ${COLUMNS} FROM phone_numbers WHERE sms_provider = $1 AND (sms_sender = $2 OR e164 = $3) ORDER BY (sms_sender = $2) DESC NULLS LAST LIMIT 1`,
    [provider, address, e164],
  );
  return r.rows[0] ?? null;
}

/**
 * The line system messages (portal sign-in codes) go out from: PORTAL_SMS_FROM's number with its provider; a
 * PORTAL_SMS_FROM that is not one of the hub's numbers is a Twilio sender as before; without it, the first
 * SMS-enabled number.
 */
export async function systemSmsLine(db: Queryable, portalSmsFrom: string | null): Promise<SmsLine | null> {
  if (portalSmsFrom) {
    const r = await db.query(`SELECT ${COLUMNS} FROM phone_numbers WHERE e164 = $1`, [portalSmsFrom]);
    return r.rows[0] ?? { e164: portalSmsFrom, provider: 'twilio', sender: portalSmsFrom };
  }
  return smsLineFor(db, null);
}
