import path from 'node:path';
import type { Config } from '../config.js';
import { PIECES, PROMPT_LANGUAGES, promptLanguage, SENTENCES, type PromptLanguage, type SentenceKey } from './catalogue.js';
import { NUMBER_WORDS } from './numbers.js';
import { promptKeys, SYMBOLS, type PromptRequest } from './requests.js';

/** A recording uploaded for one phone number, replacing a sentence of the default set (phone_numbers.prompts). */
export interface UploadedPrompt {
  storageKey: string;
  contentType: string;
  sha256: string;
  size: number;
  uploadedAt: string;
}
export type PhoneNumberPrompts = Partial<Record<PromptLanguage, Partial<Record<SentenceKey, UploadedPrompt>>>>;

/** One recording to play. */
export interface PromptAudio {
  key: string;
  language: PromptLanguage;
  /** what it says */
  text: string;
  /** where a provider fetches it over HTTP (Twilio <Play>, Asterisk `sound:` over HTTP) */
  url: string;
  /** the file on this host (default set), or null for an upload (then storageKey in the attachment store) */
  file: string | null;
  storageKey: string | null;
  contentType: string;
}

/** Text of every recording in the default set of a language: sentences, pieces, number words, menu symbols. */
export function defaultPromptTexts(lang: PromptLanguage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, t] of Object.entries(SENTENCES)) out[k] = t[lang];
  for (const [k, t] of Object.entries(PIECES)) if (t[lang]) out[k] = t[lang];
  for (const [k, t] of Object.entries(SYMBOLS)) out[k] = t[lang];
  Object.assign(out, NUMBER_WORDS[lang]);
  return out;
}

const KNOWN = new Map(PROMPT_LANGUAGES.map((l) => [l, new Set(Object.keys(defaultPromptTexts(l)))]));

export function isDefaultPrompt(lang: string, key: string): lang is PromptLanguage {
  return KNOWN.get(lang as PromptLanguage)?.has(key) ?? false;
}

export function defaultPromptFile(config: Pick<Config, 'voicePromptsDir'>, lang: PromptLanguage, key: string): string {
  return path.resolve(config.voicePromptsDir, lang, `${key}.wav`);
}

/**
 * The hub's path of a recording (under /voice-prompts/, served by routes.ts): the phone number's upload of that
 * sentence where it has one, else the default set.
 */
export function promptPath(language: string | null | undefined, key: string, number?: { id: number; prompts?: PhoneNumberPrompts | null } | null): string {
  const lang = promptLanguage(language);
  const up = number?.prompts?.[lang]?.[key as SentenceKey];
  // the digest in the URL: a replaced recording is a new URL, so no cache (Twilio's included) plays the old one
  if (up) return `/voice-prompts/numbers/${number!.id}/${lang}/${key}?v=${up.sha256.slice(0, 16)}`;
  if (!isDefaultPrompt(lang, key)) throw new Error(`no recorded prompt "${key}" in ${lang}`);
  return `/voice-prompts/${lang}/${key}.wav`;
}

/** Paths of the recordings that say `request`, in order (see promptAudioSequence). */
export function promptPaths(language: string | null | undefined, request: PromptRequest, number?: { id: number; prompts?: PhoneNumberPrompts | null } | null): string[] {
  const lang = promptLanguage(language);
  return promptKeys(request, lang).map((k) => promptPath(lang, k, number));
}

/**
 * One recording by key: the phone number's upload where it has one for this sentence, else the default set.
 * Provider-neutral: Twilio plays `url`; a PBX on this host can play `file`.
 */
export function promptAudio(
  config: Pick<Config, 'publicUrl' | 'voicePromptsDir'>,
  language: string | null | undefined,
  key: string,
  number?: { id: number; prompts?: PhoneNumberPrompts | null } | null,
): PromptAudio {
  const lang = promptLanguage(language);
  const up = number?.prompts?.[lang]?.[key as SentenceKey];
  const url = `${config.publicUrl}${promptPath(lang, key, number)}`;
  const text = defaultPromptTexts(lang)[key] ?? key;
  if (up) return { key, language: lang, text, url, file: null, storageKey: up.storageKey, contentType: up.contentType };
  return { key, language: lang, text, url, file: defaultPromptFile(config, lang, key), storageKey: null, contentType: 'audio/wav' };
}

/**
 * Everything a caller should hear for `request`, as recordings in order — e.g. { number: 'position', n: 3 } in
 * Persian is "شما نفر" + "سه" + "در صف هستید". The one lookup every voice provider uses.
 */
export function promptAudioSequence(
  config: Pick<Config, 'publicUrl' | 'voicePromptsDir'>,
  language: string | null | undefined,
  request: PromptRequest,
  number?: { id: number; prompts?: PhoneNumberPrompts | null } | null,
): PromptAudio[] {
  const lang = promptLanguage(language);
  return promptKeys(request, lang).map((k) => promptAudio(config, lang, k, number));
}
