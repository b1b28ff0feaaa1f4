/** An unpaired UTF-16 surrogate: JavaScript strings may hold one, UTF-8 (and so Postgres) cannot. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Replaces unpaired surrogates with U+FFFD (what String.prototype.toWellFormed does). */
export const toWellFormed = (s: string) => s.replace(LONE_SURROGATES, '\uFFFD');

/** Why Postgres would refuse this string as text or jsonb, or null when it is fine. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate';
  return null;
}
