import { menuOptionText, NUMBER_SENTENCES, PIECES, SENTENCES, sentenceText, type NumberSentence, type PieceKey, type PromptLanguage, type SentenceKey } from './catalogue.js';
import { numberPromptKeys } from './numbers.js';

/**
 * What should be heard: a whole sentence, a sentence with a number in it, or a menu line for a digit ("for option 2,
 * press 2"; `labelled`: only "press 2", after the option's own recorded label).
 */
export type PromptRequest = { sentence: SentenceKey } | { number: NumberSentence; n: number } | { menuOption: string; labelled?: boolean };

/** The prompts of a call flow by name: every sentence of the set, the two sentences with a number, and a menu line. */
export type PromptName = SentenceKey | NumberSentence | 'menuOption';

/**
 * What a named prompt says: the one mapping from the call flow's prompts to the recorded set, for every provider. A
 * position or wait of one (or less) is a sentence of its own ("you are next in line", "less than a minute").
 */
export function promptRequest(name: PromptName, o: { n?: number; digit?: string; labelled?: boolean } = {}): PromptRequest {
  if (name === 'position') return (o.n ?? 1) <= 1 ? { sentence: 'positionNext' } : { number: 'position', n: o.n! };
  if (name === 'estimate') return (o.n ?? 1) <= 1 ? { sentence: 'estimateUnderMinute' } : { number: 'estimate', n: o.n! };
  if (name === 'menuOption') return { menuOption: o.digit ?? '0', labelled: o.labelled };
  return { sentence: name };
}

/** Menu digits that are not numbers. */
export const SYMBOLS = { star: { en: 'star', fa: 'ستاره' }, hash: { en: 'pound', fa: 'مربع' } } as const;

function digitKeys(digit: string, lang: PromptLanguage): string[] {
  if (digit === '*') return ['star'];
  if (digit === '#') return ['hash'];
  return numberPromptKeys(Number(digit), lang);
}

const piece = (k: PieceKey, lang: PromptLanguage) => (PIECES[k][lang] ? [k] : []);

/** The recordings, in order, that say `req` in `lang` (keys of the prompt set: sentences, pieces, number words). */
export function promptKeys(req: PromptRequest, lang: PromptLanguage): string[] {
  if ('sentence' in req) return [req.sentence];
  if ('number' in req) {
    const n = Math.max(0, Math.round(req.n));
    return [...piece(`${req.number}Before`, lang), ...numberPromptKeys(n, lang), ...piece(`${req.number}After`, lang)];
  }
  const d = digitKeys(req.menuOption, lang);
  const press = [...piece('optionPress', lang), ...d, ...piece('optionEnd', lang)];
  return req.labelled ? press : [...piece('optionFor', lang), ...d, ...press];
}

const SENTENCE_BY_TEXT = new Map<string, SentenceKey>(
  (Object.entries(SENTENCES) as [SentenceKey, Record<PromptLanguage, string>][]).flatMap(([k, t]) => [[`en:${t.en}`, k], [`fa:${t.fa}`, k]] as [string, SentenceKey][]),
);

/**
 * Reads a catalogue text back into what it says (null for any other text, e.g. one an admin typed): the voice
 * channel builds its lines as text (prompts.ts), and a provider without text-to-speech in the language plays the
 * recordings of the same words.
 */
export function requestFromText(text: string, lang: PromptLanguage): PromptRequest | null {
  const sentence = SENTENCE_BY_TEXT.get(`${lang}:${text}`);
  if (sentence) return { sentence };
  for (const kind of Object.keys(NUMBER_SENTENCES) as NumberSentence[]) {
    const [before, after] = NUMBER_SENTENCES[kind][lang];
    if (text.startsWith(`${before} `) && text.endsWith(` ${after}`)) {
      const middle = text.slice(before.length + 1, text.length - after.length - 1);
      if (/^[0-9]{1,6}$/.test(middle) && sentenceText(kind, lang, Number(middle)) === text) return { number: kind, n: Number(middle) };
    }
  }
  const m = (lang === 'fa' ? /^برای (.+)، عدد ([0-9*#]) را فشار دهید\.$/ : /^For (.+), press ([0-9*#])\.$/).exec(text);
  if (m && menuOptionText(lang, m[2]!, m[1]!) === text) return { menuOption: m[2]! };
  return null;
}
