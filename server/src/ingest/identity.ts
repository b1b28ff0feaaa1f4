import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { IdentityKind } from '../contracts/vocabulary.js';

export class InvalidIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIdentityError';
  }
}

/** Canonical form of an identity: E.164 phones, lower-cased emails, trimmed everything else. */
export function normaliseIdentity(kind: IdentityKind, raw: string, defaultCountry = 'US'): string {
  const value = raw.trim();
  if (!value) throw new InvalidIdentityError(`${kind} identity is empty`);
  switch (kind) {
    case 'phone': {
      const cleaned = value.replace(/^00/, '+');
      const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as never);
      if (!parsed || !parsed.isPossible()) throw new InvalidIdentityError(`"${raw}" is not a valid phone number`);
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
