// Persian text arrives with Arabic code points for some letters (keyboard layouts differ), with
// zero-width non-joiners inside words and with Arabic diacritics. Documents and queries are
// normalised the same way so "كتاب" finds "کتاب" and "می‌خواهم" finds "میخواهم".
const LETTERS: Record<string, string> = { 'ك': 'ک', 'ي': 'ی', 'ى': 'ی', 'ة': 'ه', 'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ؤ': 'و' };

export function normaliseForSearch(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u064B-\u0652\u0670\u0640]/g, '') // harakat, superscript alef, tatweel
    .replace(/\u200C/g, '') // ZWNJ joins the parts of one word
    .replace(/[كيىةأإآؤ]/g, (c) => LETTERS[c] ?? c)
    .replace(/[۰-۹]/g, (d) => String('۰۱۲۳۴۵۶۷۸۹'.indexOf(d)))
    .replace(/[٠-٩]/g, (d) => String('٠١٢٣٤٥٦٧٨٩'.indexOf(d)));
}

/** Words of a query, reduced to letters and digits so they are safe inside to_tsquery. */
export function queryTerms(q: string): string[] {
  return normaliseForSearch(q)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 12);
}

/**
 * A tsquery text: every term must match ('all', for search) or any may ('any', for suggestions
 * while a subject is being typed). The last term matches as a prefix because it may be unfinished.
 */
export function tsQueryText(terms: string[], mode: 'all' | 'any'): string | null {
  if (!terms.length) return null;
  const parts = terms.map((w, i) => (i === terms.length - 1 ? `${w}:*` : w));
  return parts.join(mode === 'all' ? ' & ' : ' | ');
}
