import { voiceLanguage } from '../../prompts.js';

/** The prompts a caller hears on Asterisk (the same set as prompts.ts; numbers are spoken by Asterisk itself). */
export type PromptName =
  | 'greeting'
  | 'position'
  | 'estimate'
  | 'connecting'
  | 'allBusy'
  | 'leaveMessage'
  | 'noVoicemail'
  | 'afterHours'
  | 'thanksMessage'
  | 'goodbye'
  | 'transferHold'
  | 'agentNotReached'
  | 'notInService'
  | 'menu'
  | 'press';

/**
 * ARI media URIs for one prompt in the caller's language, played with `lang` set to that language so Asterisk picks
 * `sounds/<lang>/contact-hub/<prompt>` and says numbers in that language (`number:`). An http(s) override (a number's
 * recorded greeting) is played from its URL through Asterisk's media cache. This is the one place a prompt becomes
 * media, so the recorded prompt set replaces these names without touching the call flow.
 */
export function promptMedia(prompt: PromptName, language: string | null | undefined, o: { n?: number; override?: string | null } = {}): { media: string[]; lang: string } {
  const lang = voiceLanguage(language);
  if (o.override && /^https?:\/\//.test(o.override)) return { media: [`sound:${o.override}`], lang };
  const sound = (name: string) => `sound:contact-hub/${name}`;
  switch (prompt) {
    case 'position':
      return { media: (o.n ?? 1) <= 1 ? [sound('position-next')] : [sound('position'), `number:${o.n}`], lang };
    case 'press':
      // "…press <digit>" after an option's label
      return { media: [sound('press'), `digits:${o.n ?? 0}`], lang };
    case 'estimate':
      return { media: (o.n ?? 1) <= 1 ? [sound('estimate-under-a-minute')] : [sound('estimate'), `number:${o.n}`, sound('minutes')], lang };
    default:
      return { media: [sound(prompt.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))], lang };
  }
}
