import type { Config } from '../../../../config.js';
import type { Queryable } from '../../../../db/pool.js';
import { phoneNumberById } from '../../../twilio/numbers.js';
import { promptAudioSequence, type PhoneNumberPrompts } from '../../../../voice-prompts/library.js';
import { promptRequest, type PromptName } from '../../../../voice-prompts/requests.js';
import { promptLanguage } from '../../../../voice-prompts/catalogue.js';
import { callerLanguage, type CallRow } from '../../calls.js';
import type { AriClient } from './ari.js';
import { isGone } from './ari.js';
import { ids, type PlaybackPurpose } from './names.js';

export type { PromptName };

/** One prompt to play: `n` for a position or a wait, `digit` for a menu line, `override` a recording's http(s) URL. */
export interface PromptPlay {
  name: PromptName;
  n?: number;
  digit?: string;
  /**
   * A recording named in the number's settings (greeting, menu, after-hours, an option's label): played from its URL
   * unless the number has its own upload of that sentence. Typed text is never spoken (Asterisk has no
   * text-to-speech): the recording of the same sentence plays. For a menu line, the label is heard before "press N".
   */
  override?: string | null;
}

type NumberPrompts = { id: number; prompts?: PhoneNumberPrompts | null } | null | undefined;
const isUrl = (v: string | null | undefined): v is string => !!v && /^https?:\/\//.test(v);

/**
 * ARI media URIs for prompts in the caller's language: the hub's recordings (the number's upload of a sentence, else
 * the default set), each `sound:<PUBLIC_URL>/voice-prompts/…`, which Asterisk fetches over HTTP into its media cache
 * (res_http_media_cache) — the same recordings Twilio plays, so a Persian caller hears Persian on either provider.
 * Numbers are spoken from number-word recordings (voice-prompts/numbers.ts), never Asterisk's own sound files.
 */
export function promptMedia(config: Pick<Config, 'publicUrl' | 'voicePromptsDir'>, prompts: PromptPlay[], language: string | null | undefined, number?: NumberPrompts): string[] {
  const lang = promptLanguage(language);
  return prompts.flatMap((p) => {
    const label = p.name === 'menuOption' && isUrl(p.override) ? [`sound:${p.override}`] : [];
    const req = promptRequest(p.name, { n: p.n, digit: p.digit, labelled: label.length > 0 });
    const uploaded = 'sentence' in req && !!number?.prompts?.[lang]?.[req.sentence];
    if (p.name !== 'menuOption' && !uploaded && isUrl(p.override)) return [`sound:${p.override}`];
    return [...label, ...promptAudioSequence(config, lang, req, number).map((a) => `sound:${a.url}`)];
  });
}

/**
 * Plays prompts to a call's caller (ARI `play`, one playback for the whole sequence); `purpose` says what follows when
 * it finishes (app.ts playbackFinished). Any node may call this: the playback's id names the call.
 */
export async function playPrompts(
  deps: { db: Queryable; config: Pick<Config, 'publicUrl' | 'voicePromptsDir'> },
  ari: AriClient,
  call: CallRow,
  prompts: PromptPlay[],
  purpose: PlaybackPurpose,
  o: { lang?: string; number?: NumberPrompts } = {},
): Promise<string> {
  const lang = o.lang ?? (await callerLanguage(deps.db, call.case_id));
  const number = o.number !== undefined ? o.number : call.phone_number_id ? await phoneNumberById(deps.db, call.phone_number_id) : null;
  const id = ids.playback(call.id, purpose);
  await ari.play(call.call_sid, id, promptMedia(deps.config, prompts, lang, number), promptLanguage(lang)).catch((err) => {
    if (!isGone(err)) throw err;
  });
  return id;
}
