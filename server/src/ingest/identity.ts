import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { IdentityKind } from '../contracts/vocabulary.js';

export class InvalidIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIdentityError';
  }
}

/**
 * Parsing a phone number costs 0.1–0.2 ms (a +1 number is matched against every country sharing the
 * code), and a message's sender is normalised more than once on its way in (webhook, then ingest) and
 * again for every message of a returning customer: the last few thousand results are kept.
 */
const phoneMemo = new Map<string, string>();
const PHONE_MEMO_SIZE = 5000;
function remember(key: string, value: string): void {
  if (phoneMemo.size >= PHONE_MEMO_SIZE) phoneMemo.delete(phoneMemo.keys().next().value!);
  phoneMemo.set(key, value);
}

/** Canonical form of an identity: E.164 phones, lower-cased emails, trimmed everything else. */
export function normaliseIdentity(kind: IdentityKind, raw: string, defaultCountry = 'US'): string {
  const value = raw.trim();
  if (!value) throw new InvalidIdentityError(`${kind} identity is empty`);
  switch (kind) {
    case 'phone': {
      const key = `${defaultCountry}:${value}`;
      const known = phoneMemo.get(key);
      if (known) return known;
      const cleaned = value.replace(/^00/, '+');
      const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as never);
      if (!parsed || !parsed.isPossible()) throw new InvalidIdentityError(`"${raw}" is not a valid phone number`);
      remember(key, parsed.number);
      return parsed.number;
    }
    case 'email': {
      const m = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.exec(value);
      if (!m) throw new InvalidIdentityError(`"${raw}" is not a valid email address`);
      return value.toLowerCase();
    }
    default:
      if (value.length > 200) throw new InvalidIdentityError(`${kind} identity is longer than 200 characters`);
      return value;
  }
}
