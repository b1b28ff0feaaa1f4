import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { numberPromptKeys, numberWords } from '../../server/src/voice-prompts/numbers.js';
import { promptKeys, promptRequest, requestFromText } from '../../server/src/voice-prompts/requests.js';
import { promptMedia } from '../../server/src/channels/voice/providers/asterisk/media.js';
import { defaultPromptTexts, promptAudioSequence } from '../../server/src/voice-prompts/library.js';
import { PROMPT_LANGUAGES, SENTENCES, sentenceText } from '../../server/src/voice-prompts/catalogue.js';
import { prompts } from '../../server/src/channels/voice/prompts.js';

const DIR = path.resolve('assets/voice-prompts');

describe('numbers spoken from number-word recordings', () => {
  it('English: teens, tens, hundreds and thousands without "and"', () => {
    expect(numberWords(0, 'en')).toBe('zero');
    expect(numberWords(7, 'en')).toBe('seven');
    expect(numberWords(13, 'en')).toBe('thirteen');
    expect(numberWords(40, 'en')).toBe('forty');
    expect(numberWords(42, 'en')).toBe('forty two');
    expect(numberWords(100, 'en')).toBe('one hundred');
    expect(numberWords(125, 'en')).toBe('one hundred twenty five');
    expect(numberWords(1005, 'en')).toBe('one thousand five');
    expect(numberWords(21_340, 'en')).toBe('twenty one thousand three hundred forty');
  });

  it('Persian: parts joined by "و", irregular hundreds, and هزار alone for a thousand', () => {
    expect(numberWords(0, 'fa')).toBe('صفر');
    expect(numberWords(3, 'fa')).toBe('سه');
    expect(numberWords(15, 'fa')).toBe('پانزده');
    expect(numberWords(25, 'fa')).toBe('بیست و پنج');
    expect(numberWords(100, 'fa')).toBe('صد');
    expect(numberWords(125, 'fa')).toBe('صد و بیست و پنج');
    expect(numberWords(300, 'fa')).toBe('سیصد');
    expect(numberWords(507, 'fa')).toBe('پانصد و هفت');
    expect(numberWords(1000, 'fa')).toBe('هزار');
    expect(numberWords(1001, 'fa')).toBe('هزار و یک');
    expect(numberWords(2021, 'fa')).toBe('دو هزار و بیست و یک');
    expect(numberWords(999_999, 'fa')).toBe('نهصد و نود و نه هزار و نهصد و نود و نه');
  });

  it('refuses what it cannot say', () => {
    expect(() => numberPromptKeys(-1, 'en')).toThrow(RangeError);
    expect(() => numberPromptKeys(1.5, 'fa')).toThrow(RangeError);
    expect(() => numberPromptKeys(1_000_000, 'fa')).toThrow(RangeError);
  });
});

describe('prompt requests', () => {
  it('a sentence with a number is the part before, the number words, the part after', () => {
    expect(promptKeys({ number: 'position', n: 3 }, 'fa')).toEqual(['positionBefore', 'num-3', 'positionAfter']);
    expect(promptKeys({ number: 'estimate', n: 25 }, 'fa')).toEqual(['estimateBefore', 'num-20', 'num-and', 'num-5', 'estimateAfter']);
    expect(promptKeys({ number: 'estimate', n: 25 }, 'en')).toEqual(['estimateBefore', 'num-20', 'num-5', 'estimateAfter']);
    expect(promptKeys({ menuOption: '2' }, 'fa')).toEqual(['optionFor', 'num-2', 'optionPress', 'num-2', 'optionEnd']);
    expect(promptKeys({ menuOption: '*' }, 'en')).toEqual(['optionFor', 'star', 'optionPress', 'star']);
  });

  it('the call flow’s prompt names map to requests in one place; a menu line after its own label is only "press N"', () => {
    expect(promptRequest('position', { n: 1 })).toEqual({ sentence: 'positionNext' });
    expect(promptRequest('position', { n: 4 })).toEqual({ number: 'position', n: 4 });
    expect(promptRequest('estimate', { n: 0 })).toEqual({ sentence: 'estimateUnderMinute' });
    expect(promptRequest('goodbye')).toEqual({ sentence: 'goodbye' });
    expect(promptKeys(promptRequest('menuOption', { digit: '#', labelled: true }), 'fa')).toEqual(['optionPress', 'hash', 'optionEnd']);
  });

  it('Asterisk media: the hub’s recordings over HTTP, the number’s upload first, a URL in the settings next, typed text never', () => {
    const config = { publicUrl: 'https://hub.example.test', voicePromptsDir: DIR };
    const fa = (k: string) => `sound:https://hub.example.test/voice-prompts/fa/${k}.wav`;
    expect(promptMedia(config, [{ name: 'position', n: 25 }, { name: 'estimate', n: 1 }], 'fa')).toEqual([
      fa('positionBefore'), fa('num-20'), fa('num-and'), fa('num-5'), fa('positionAfter'), fa('estimateUnderMinute'),
    ]);
    const up = { storageKey: 'k', contentType: 'audio/wav', sha256: 'ab'.repeat(32), size: 10, uploadedAt: '2026-01-01T00:00:00Z' };
    const number = { id: 7, prompts: { fa: { greeting: up } } };
    const greeting = promptMedia(config, [{ name: 'greeting', override: 'https://cdn.example.test/hello.wav' }], 'fa', number);
    expect(greeting).toEqual([`sound:https://hub.example.test/voice-prompts/numbers/7/fa/greeting?v=${'ab'.repeat(8)}`]);
    expect(promptMedia(config, [{ name: 'greeting', override: 'https://cdn.example.test/hello.wav' }], 'en', number)).toEqual(['sound:https://cdn.example.test/hello.wav']);
    expect(promptMedia(config, [{ name: 'afterHours', override: 'تعطیل هستیم.' }], 'fa')).toEqual([fa('afterHours')]);
    expect(promptMedia(config, [{ name: 'menuOption', digit: '3', override: 'https://cdn.example.test/sales.wav' }], 'fa')).toEqual([
      'sound:https://cdn.example.test/sales.wav', fa('optionPress'), fa('num-3'), fa('optionEnd'),
    ]);
  });

  it('every text the voice channel builds reads back into what it says', () => {
    for (const l of PROMPT_LANGUAGES) {
      const p = prompts(l);
      for (const k of Object.keys(SENTENCES) as (keyof typeof SENTENCES)[]) expect(requestFromText(SENTENCES[k][l], l)).toEqual({ sentence: k });
      expect(requestFromText(p.position(1), l)).toEqual({ sentence: 'positionNext' });
      expect(requestFromText(p.position(12), l)).toEqual({ number: 'position', n: 12 });
      expect(requestFromText(p.estimate(1), l)).toEqual({ sentence: 'estimateUnderMinute' });
      expect(requestFromText(p.estimate(7), l)).toEqual({ number: 'estimate', n: 7 });
      expect(requestFromText(p.menuOption('3', l === 'fa' ? 'پشتیبانی' : 'support'), l)).toEqual({ menuOption: '3' });
    }
    expect(requestFromText('Welcome to Acme support.', 'en')).toBeNull();
    expect(requestFromText(`${sentenceText('position', 'fa', 3)} بله`, 'fa')).toBeNull();
  });

  it('the provider-neutral lookup gives each recording its URL and file, and a number’s upload instead of the default', () => {
    const config = { publicUrl: 'https://hub.example.test', voicePromptsDir: DIR };
    const seq = promptAudioSequence(config, 'fa', { number: 'position', n: 3 });
    expect(seq.map((a) => a.url)).toEqual([
      'https://hub.example.test/voice-prompts/fa/positionBefore.wav',
      'https://hub.example.test/voice-prompts/fa/num-3.wav',
      'https://hub.example.test/voice-prompts/fa/positionAfter.wav',
    ]);
    expect(seq[1]).toMatchObject({ file: path.join(DIR, 'fa', 'num-3.wav'), text: 'سه', storageKey: null });
    const number = { id: 7, prompts: { fa: { greeting: { storageKey: 'ab/x.wav', contentType: 'audio/wav', sha256: 'f'.repeat(64), size: 10, uploadedAt: '' } } } };
    expect(promptAudioSequence(config, 'fa', { sentence: 'greeting' }, number)[0]).toMatchObject({
      url: `https://hub.example.test/voice-prompts/numbers/7/fa/greeting?v=${'f'.repeat(16)}`, file: null, storageKey: 'ab/x.wav',
    });
    // the upload replaces that sentence in that language only
    expect(promptAudioSequence(config, 'en', { sentence: 'greeting' }, number)[0]!.url).toBe('https://hub.example.test/voice-prompts/en/greeting.wav');
  });
});

describe('the default prompt set on disk', () => {
  const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { prompts: Record<string, Record<string, { text: string; file: string }>> };

  it('has a recording of every prompt in both languages, 8 kHz mono 16-bit WAV, and the manifest says what each says', () => {
    for (const l of PROMPT_LANGUAGES) {
      const texts = defaultPromptTexts(l);
      expect(Object.keys(manifest.prompts[l]!).sort()).toEqual(Object.keys(texts).sort());
      for (const [key, text] of Object.entries(texts)) {
        expect(manifest.prompts[l]![key]!.text).toBe(text);
        const wav = readFileSync(path.join(DIR, l, `${key}.wav`));
        expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
        expect(wav.toString('latin1', 8, 12)).toBe('WAVE');
        // fmt chunk: PCM, 1 channel, 8000 Hz, 16 bits
        expect([wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual([1, 1, 8000, 16]);
        expect(wav.length).toBeGreaterThan(44 + 800); // at least a tenth of a second of sound
      }
    }
  });
});
