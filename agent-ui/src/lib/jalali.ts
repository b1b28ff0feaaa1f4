// Persian (Solar Hijri) dates ↔ Gregorian ISO dates, through Intl's Persian calendar (no tables of our own):
// holidays are entered the way people in Iran read them, and stored as Gregorian dates.

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

/** Latin digits for Persian or Arabic-Indic ones. */
export function latinDigits(s: string): string {
  return s.replace(/[۰-۹٠-٩]/g, (c) => String(PERSIAN_DIGITS.includes(c) ? PERSIAN_DIGITS.indexOf(c) : ARABIC_DIGITS.indexOf(c)));
}

const fmt = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });

/** The Persian date of a Gregorian one (YYYY-MM-DD). */
export function toJalali(iso: string): { y: number; m: number; d: number } {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const p: Record<string, string> = {};
  for (const x of fmt.formatToParts(Date.UTC(y, m - 1, d, 12))) p[x.type] = x.value;
  return { y: Number(p.year!.replace(/\D.*$/, '')), m: Number(p.month), d: Number(p.day) };
}

/** "1406/01/01" for a Gregorian date, in Latin digits. */
export function formatJalali(iso: string): string {
  if (!iso) return '';
  const j = toJalali(iso);
  return `${j.y}/${String(j.m).padStart(2, '0')}/${String(j.d).padStart(2, '0')}`;
}

/** The Gregorian date (YYYY-MM-DD) of a Persian one, or null when there is no such day. */
export function fromJalali(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  // Farvardin 1 falls on 20 or 21 March (year + 621); months 1–6 have 31 days, 7–11 30
  const approx = Date.UTC(y + 621, 2, 21) + ((m - 1) * 30 + Math.min(m - 1, 6) + (d - 1)) * 86_400_000;
  for (let shift = -3; shift <= 3; shift++) {
    const iso = new Date(approx + shift * 86_400_000).toISOString().slice(0, 10);
    const j = toJalali(iso);
    if (j.y === y && j.m === m && j.d === d) return iso;
  }
  return null;
}

/** Parses "1406/01/01" (or with - or Persian digits) into a Gregorian date, or null. */
export function parseJalali(text: string): string | null {
  const m = latinDigits(text.trim()).match(/^(\d{3,4})[/\-.](\d{1,2})[/\-.](\d{1,2})$/);
  return m ? fromJalali(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}
