import type { VoiceResponseT } from '../twilio/twiml.js';
import { menuOptionText, promptLanguage, SENTENCES, sentenceText, type PromptLanguage } from '../../voice-prompts/catalogue.js';
import { promptPaths, type PhoneNumberPrompts } from '../../voice-prompts/library.js';
import { requestFromText } from '../../voice-prompts/requests.js';

/**
 * Everything a caller hears, per language, as text (the texts and their recordings live in voice-prompts/). A phone
 * number's settings can override greeting and after-hours text.
 */
const textsOf = (l: PromptLanguage) => ({
  ...(Object.fromEntries(Object.entries(SENTENCES).map(([k, t]) => [k, t[l]])) as { [K in keyof typeof SENTENCES]: string }),
  menuDefault: SENTENCES.menu[l],
  menuOption: (digit: string, label: string) => menuOptionText(l, digit, label),
  position: (n: number) => (n <= 1 ? SENTENCES.positionNext[l] : sentenceText('position', l, n)),
  estimate: (minutes: number) => (minutes <= 1 ? SENTENCES.estimateUnderMinute[l] : sentenceText('estimate', l, minutes)),
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
  number?: { id: number; prompts?: PhoneNumberPrompts | null } | null,
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
