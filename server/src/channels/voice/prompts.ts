import type { VoiceResponseT } from '../twilio/twiml.js';
import { menuOptionText, promptLanguage, SENTENCES, sentenceText, type PromptLanguage, type SentenceKey } from '../../voice-prompts/catalogue.js';
import { promptPath, promptPaths, type PhoneNumberPrompts } from '../../voice-prompts/library.js';
import { promptRequest, requestFromText, type PromptRequest } from '../../voice-prompts/requests.js';

/** The text of a sentence or a sentence with a number (what text-to-speech says where there is one). */
const textOf = (req: PromptRequest, l: PromptLanguage) => ('sentence' in req ? SENTENCES[req.sentence][l] : 'number' in req ? sentenceText(req.number, l, req.n) : '');

/**
 * Everything a caller hears, per language, as text (the texts and their recordings live in voice-prompts/). A phone
 * number's settings can override greeting and after-hours text.
 */
const textsOf = (l: PromptLanguage) => ({
  ...(Object.fromEntries(Object.entries(SENTENCES).map(([k, t]) => [k, t[l]])) as { [K in keyof typeof SENTENCES]: string }),
  menuDefault: SENTENCES.menu[l],
  menuOption: (digit: string, label: string) => menuOptionText(l, digit, label),
  position: (n: number) => textOf(promptRequest('position', { n }), l),
  estimate: (minutes: number) => textOf(promptRequest('estimate', { n: minutes }), l),
});
const CATALOGUE = { en: textsOf('en'), fa: textsOf('fa') };

export type VoiceLanguage = PromptLanguage;
export type Prompts = (typeof CATALOGUE)['en'];

export function voiceLanguage(lang: string | null | undefined): VoiceLanguage {
  return promptLanguage(lang);
}

export function prompts(lang: string | null | undefined): Prompts {
  return CATALOGUE[voiceLanguage(lang)];
}

/**
 * Speaks a line: an http(s) URL or a hub prompt path (/voice-prompts/…) is played (`<Play>`); a catalogue text is
 * played from its recordings in Persian — Twilio has no Persian text-to-speech, so a Persian caller only ever hears
 * `<Play>` — and in English too when the number has its own recording of it (pass the number); other English text is
 * Twilio's text-to-speech (`<Say>`).
 */
export function speak(
  node: Pick<VoiceResponseT, 'say' | 'play'>,
  lang: string | null | undefined,
  text: string,
  number?: NumberPrompts,
): void {
  if (/^https?:\/\//.test(text) || text.startsWith('/voice-prompts/')) {
    node.play({}, text);
    return;
  }
  const l = voiceLanguage(lang);
  const req = requestFromText(text, l);
  const recorded = req && 'sentence' in req && number?.prompts?.[l]?.[req.sentence];
  if (req && (l === 'fa' || recorded)) {
    for (const path of promptPaths(l, req, number)) node.play({}, path);
    return;
  }
  // Persian text outside the catalogue has nothing that can say it (override() never lets one through)
  if (l === 'fa') return;
  node.say({ language: 'en-US', voice: 'Polly.Joanna-Neural' }, text);
}

type NumberPrompts = { id: number; prompts?: PhoneNumberPrompts | null } | null | undefined;

/**
 * A menu option on Twilio: "For <label>, press N" — or, when the label is a recording (an http(s) URL), that recording
 * followed by only "press N" (the prompt set's words in Persian, Twilio's English voice otherwise), never the URL read out.
 */
export function speakMenuOption(node: Pick<VoiceResponseT, 'say' | 'play'>, lang: string | null | undefined, digit: string, label: string, number?: NumberPrompts): void {
  if (!/^https?:\/\//.test(label)) {
    speak(node, lang, prompts(lang).menuOption(digit, label), number);
    return;
  }
  node.play({}, label);
  const l = voiceLanguage(lang);
  if (l === 'fa') for (const path of promptPaths(l, { menuOption: digit, labelled: true }, number)) node.play({}, path);
  else node.say({ language: 'en-US', voice: 'Polly.Joanna-Neural' }, `Press ${digit === '*' ? 'star' : digit === '#' ? 'pound' : digit}.`);
}

/**
 * A sentence of a call as the number has it: its uploaded recording of that sentence (Admin → Phone numbers → Recorded
 * prompts) first, else what the number's settings say (`typed`: a text or a recording's URL, see override), else the
 * default. The upload wins over typed text because it is what the admin recorded for exactly this line.
 */
export function numberLine(key: SentenceKey, lang: string | null | undefined, number: NumberPrompts, typed?: Record<string, string> | null): string {
  if (number?.prompts?.[voiceLanguage(lang)]?.[key]) return promptPath(lang, key, number);
  return override(typed, lang, prompts(lang)[key]);
}

/**
 * A per-number override in the caller's language, else the catalogue text. A typed Persian override cannot be
 * spoken (no Persian text-to-speech): Persian overrides are recordings (a URL), otherwise the default recording plays.
 */
export function override(map: Record<string, string> | null | undefined, lang: string | null | undefined, fallback: string): string {
  const l = voiceLanguage(lang);
  const v = map?.[l];
  if (!v || !v.trim()) return fallback;
  return l === 'fa' && !/^https?:\/\//.test(v) ? fallback : v;
}
