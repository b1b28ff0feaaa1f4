import type { PromptLanguage } from './catalogue.js';

/**
 * Numbers spoken by concatenating recorded number words. Keys name files (num-<n>.wav):
 *  - both languages: num-0 … num-19, num-20 … num-90 (tens), num-thousand;
 *  - English: num-hundred ("one hundred twenty five");
 *  - Persian: num-100 … num-900 (صد، دویست، سیصد … each its own word) and num-and, the "o" that joins the parts
 *    (صد و بیست و پنج); a thousand alone is هزار, not یک هزار.
 * Up to 999 999 — far more than a queue position or a wait in minutes.
 */
export const NUMBER_WORDS: Record<PromptLanguage, Record<string, string>> = {
  en: {
    ...Object.fromEntries(
      ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'].map(
        (w, i) => [`num-${i}`, w],
      ),
    ),
    ...Object.fromEntries(['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'].map((w, i) => [`num-${(i + 2) * 10}`, w])),
    'num-hundred': 'hundred',
    'num-thousand': 'thousand',
  },
  fa: {
    ...Object.fromEntries(
      ['صفر', 'یک', 'دو', 'سه', 'چهار', 'پنج', 'شش', 'هفت', 'هشت', 'نه', 'ده', 'یازده', 'دوازده', 'سیزده', 'چهارده', 'پانزده', 'شانزده', 'هفده', 'هجده', 'نوزده'].map(
        (w, i) => [`num-${i}`, w],
      ),
    ),
    ...Object.fromEntries(['بیست', 'سی', 'چهل', 'پنجاه', 'شصت', 'هفتاد', 'هشتاد', 'نود'].map((w, i) => [`num-${(i + 2) * 10}`, w])),
    ...Object.fromEntries(['صد', 'دویست', 'سیصد', 'چهارصد', 'پانصد', 'ششصد', 'هفتصد', 'هشتصد', 'نهصد'].map((w, i) => [`num-${(i + 1) * 100}`, w])),
    'num-and': 'و',
    'num-thousand': 'هزار',
  },
};

export const MAX_SPOKEN_NUMBER = 999_999;

function english(n: number): string[] {
  if (n < 20) return [`num-${n}`];
  if (n < 100) return [`num-${n - (n % 10)}`, ...(n % 10 ? [`num-${n % 10}`] : [])];
  if (n < 1000) return [`num-${Math.floor(n / 100)}`, 'num-hundred', ...(n % 100 ? english(n % 100) : [])];
  return [...english(Math.floor(n / 1000)), 'num-thousand', ...(n % 1000 ? english(n % 1000) : [])];
}

function persian(n: number): string[] {
  const and = (rest: number) => (rest ? ['num-and', ...persian(rest)] : []);
  if (n < 20) return [`num-${n}`];
  if (n < 100) return [`num-${n - (n % 10)}`, ...and(n % 10)];
  if (n < 1000) return [`num-${n - (n % 100)}`, ...and(n % 100)];
  const thousands = Math.floor(n / 1000);
  return [...(thousands === 1 ? [] : persian(thousands)), 'num-thousand', ...and(n % 1000)];
}

/** The number-word prompt keys that speak `n` (a whole number from 0 to 999 999) in `lang`. */
export function numberPromptKeys(n: number, lang: PromptLanguage): string[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER) throw new RangeError(`cannot speak ${n}: whole numbers from 0 to ${MAX_SPOKEN_NUMBER} only`);
  return lang === 'fa' ? persian(n) : english(n);
}

/** The words themselves, as a listener hears them (for tests and the manifest). */
export function numberWords(n: number, lang: PromptLanguage): string {
  return numberPromptKeys(n, lang)
    .map((k) => NUMBER_WORDS[lang][k])
    .join(' ');
}
