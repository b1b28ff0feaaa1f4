/**
 * Synthesises the default voice prompt set once with espeak-ng and sox (Debian: apt-get install espeak-ng sox) and
 * writes it, with a text manifest, to assets/voice-prompts: <lang>/<key>.wav, 8 kHz mono 16-bit PCM — what Twilio
 * <Play> and Asterisk (its `wav` format) both play. The files are committed; run this again only after changing a
 * text in server/src/voice-prompts/ (npm run voice-prompts). A real recording can replace any file of the same name.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROMPT_LANGUAGES } from '../server/src/voice-prompts/catalogue.js';
import { defaultPromptTexts } from '../server/src/voice-prompts/library.js';

const OUT = path.resolve(process.argv[2] ?? 'assets/voice-prompts');
// espeak reads a lone Persian "و" as "va"; between number words it is "o" (صد و بیست → sad-o bist): given as phonemes
const SPOKEN: Record<string, Record<string, string>> = { fa: { 'num-and': '[[o]]' } };
const VOICE = { en: 'en-us', fa: 'fa' } as const;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'voice-prompts-'));
const manifest: Record<string, Record<string, { text: string; file: string }>> = {};
try {
  for (const lang of PROMPT_LANGUAGES) {
    mkdirSync(path.join(OUT, lang), { recursive: true });
    manifest[lang] = {};
    for (const [key, text] of Object.entries(defaultPromptTexts(lang))) {
      const raw = path.join(tmp, `${lang}-${key}.wav`);
      const file = `${lang}/${key}.wav`;
      execFileSync('espeak-ng', ['-v', VOICE[lang], '-s', '150', '-w', raw, SPOKEN[lang]?.[key] ?? text]);
      // 8 kHz mono 16-bit, leading/trailing silence cut so concatenated number words run together
      execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', path.join(OUT, file), 'silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse']);
      manifest[lang]![key] = { text, file };
    }
  }
  writeFileSync(
    path.join(OUT, 'manifest.json'),
    `${JSON.stringify({ format: 'wav, 8000 Hz, mono, 16-bit signed PCM', synthesisedWith: `espeak-ng (voices ${Object.values(VOICE).join(', ')}), sox`, prompts: manifest }, null, 2)}\n`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`wrote ${Object.values(manifest).reduce((n, m) => n + Object.keys(m).length, 0)} prompts to ${OUT}`);
