import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';
import type { Queryable } from '../db/pool.js';
import { HttpError } from '../lib/errors.js';

/**
 * Where the business's SMS and calls may go. Every outbound phone path (agent SMS replies, click-to-call from a
 * phone or the browser, portal sign-in codes) asks here before anything is queued or dialled, so a compromised or
 * careless account cannot run up a phone bill (toll fraud: premium-rate and far-away numbers).
 */

export type DestinationRefusalCode = 'invalid_number' | 'country_not_allowed' | 'premium_rate' | 'not_customer_number' | 'unconfirmed_number';

export interface DestinationRefusal {
  code: DestinationRefusalCode;
  /** Shown to the agent as is. */
  reason: string;
}

/** Types that charge the caller more than an ordinary call (the money maker of toll fraud). */
const COSTLY: Partial<Record<NonNullable<NumberType>, string>> = {
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
};

/**
 * A number on its own: it must belong to an allowed country (full metadata, so +1 876 is Jamaica, not the US)
 * and must not be premium-rate. A number whose country cannot be told (invalid, or an international network such
 * as +882) is refused too.
 */
export function checkPhoneNumber(countries: readonly string[], e164: string): DestinationRefusal | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || !parsed.isValid() || !parsed.country) {
    return { code: 'invalid_number', reason: `${e164} is not a valid number of any country; SMS and calls go only to valid numbers` };
  }
  const type = parsed.getType();
  const costly = type ? COSTLY[type] : undefined;
  if (costly) return { code: 'premium_rate', reason: `${e164} is ${costly}; the hub never texts or calls those` };
  if (!countries.includes(parsed.country)) {
    return {
      code: 'country_not_allowed',
      reason: `${e164} is in ${parsed.country}; SMS and calls may go only to ${countries.join(', ')} (OUTBOUND_COUNTRIES)`,
    };
  }
  return null;
}

/**
 * A number for one customer: besides the country and type rules it must be one of the customer's phone identities
 * that came from the customer (they texted or called from it, or signed in to the portal with it) or that a
 * supervisor or admin added. A number an agent typed in waits for a supervisor to confirm it.
 */
export async function checkCustomerPhone(db: Queryable, countries: readonly string[], a: { customerId: number; to: string }): Promise<DestinationRefusal | null> {
  const own = checkPhoneNumber(countries, a.to);
  if (own) return own;
  const r = await db.query(
    `SELECT origin, added_by_role, verified FROM customer_identities WHERE customer_id = $1 AND kind = 'phone' AND value = $2`,
    [a.customerId, a.to],
  );
  const id = r.rows[0];
  if (!id) {
    return { code: 'not_customer_number', reason: `${a.to} is not one of this customer's numbers; SMS and calls go only to the customer's own numbers` };
  }
  if (!mayReceiveOutbound(id) && !(await customerUsedNumber(db, a.customerId, a.to))) {
    return { code: 'unconfirmed_number', reason: `${a.to} was added by an agent; a supervisor must confirm it before SMS or calls can go to it` };
  }
  return null;
}

/** An agent-typed number the customer has since texted or called from counts as theirs. */
async function customerUsedNumber(db: Queryable, customerId: number, phone: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM interactions WHERE customer_id = $1 AND direction = 'inbound' AND channel IN ('sms', 'voice') AND from_address = $2 LIMIT 1`,
    [customerId, phone],
  );
  return (r.rowCount ?? 0) > 0;
}

/** The identity rule on its own (also shown next to each number in the customer panel). */
export function mayReceiveOutbound(id: { origin: string; added_by_role: string | null; verified?: boolean }): boolean {
  // verified: the customer signed in to the portal with a code texted to it
  return id.origin === 'inbound' || id.verified === true || (id.origin === 'staff' && (id.added_by_role === 'supervisor' || id.added_by_role === 'admin'));
}

/** The refusal as the 422 the agent sees. */
export function destinationError(r: DestinationRefusal, field = 'to'): HttpError {
  return new HttpError(422, r.reason, [{ field, reason: r.reason, code: r.code }]);
}
