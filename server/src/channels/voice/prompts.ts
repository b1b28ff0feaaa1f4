import type { VoiceResponseT } from '../twilio/twiml.js';

/** Everything a caller hears, per language. A phone number's settings can override greeting and after-hours text. */
const CATALOGUE = {
  en: {
    greeting: 'Thank you for calling. Your call is important to us.',
    menuDefault: 'Please choose from the following options.',
    menuOption: (digit: string, label: string) => `For ${label}, press ${digit}.`,
    position: (n: number) => (n <= 1 ? 'You are next in line.' : `You are number ${n} in line.`),
    estimate: (minutes: number) => (minutes <= 1 ? 'Your estimated wait is less than a minute.' : `Your estimated wait is about ${minutes} minutes.`),
    connecting: 'Connecting you to an agent.',
    allBusy: 'All of our agents are still busy.',
    leaveMessage: 'Please leave a message with your name and reason for calling after the tone, and we will call you back.',
    noVoicemail: 'Please try again later. Goodbye.',
    afterHours: 'Our office is closed right now.',
    thanksMessage: 'Thank you. We will call you back as soon as possible. Goodbye.',
    goodbye: 'Thank you for calling. Goodbye.',
    transferHold: 'Please hold while we transfer your call.',
    agentNotReached: 'We could not reach the agent. Please stay on the line.',
    notInService: 'This number does not take calls. Please send us a text message instead. Goodbye.',
  },
  fa: {
    greeting: 'از تماس شما سپاسگزاریم. تماس شما برای ما مهم است.',
    menuDefault: 'لطفاً یکی از گزینه‌های زیر را انتخاب کنید.',
    menuOption: (digit: string, label: string) => `برای ${label}، عدد ${digit} را فشار دهید.`,
    position: (n: number) => (n <= 1 ? 'شما نفر بعدی در صف هستید.' : `شما نفر ${n} در صف هستید.`),
    estimate: (minutes: number) => (minutes <= 1 ? 'زمان انتظار شما کمتر از یک دقیقه است.' : `زمان انتظار شما حدود ${minutes} دقیقه است.`),
    connecting: 'در حال اتصال شما به کارشناس.',
    allBusy: 'همه کارشناسان ما هنوز مشغول هستند.',
    leaveMessage: 'لطفاً پس از شنیدن بوق، نام و موضوع تماس خود را بگویید تا با شما تماس بگیریم.',
    noVoicemail: 'لطفاً بعداً دوباره تماس بگیرید. خدانگهدار.',
    afterHours: 'در حال حاضر خارج از ساعات کاری هستیم.',
    thanksMessage: 'سپاسگزاریم. در اولین فرصت با شما تماس می‌گیریم. خدانگهدار.',
    goodbye: 'از تماس شما سپاسگزاریم. خدانگهدار.',
    transferHold: 'لطفاً منتظر بمانید تا تماس شما منتقل شود.',
    agentNotReached: 'کارشناس در دسترس نبود. لطفاً پشت خط بمانید.',
    notInService: 'این شماره تماس صوتی نمی‌پذیرد. لطفاً پیامک ارسال کنید. خدانگهدار.',
  },
} as const;

export type VoiceLanguage = keyof typeof CATALOGUE;
export type Prompts = (typeof CATALOGUE)['en'];

export function voiceLanguage(lang: string | null | undefined): VoiceLanguage {
  return lang === 'fa' ? 'fa' : 'en';
}

export function prompts(lang: string | null | undefined): Prompts {
  return CATALOGUE[voiceLanguage(lang)] as Prompts;
}

/**
 * Speaks a prompt: an http(s) URL is a recorded prompt (`<Play>`), anything else is text-to-speech
 * (`<Say>`) in the caller's language. Persian deployments usually configure recorded prompts.
 */
export function speak(node: Pick<VoiceResponseT, 'say' | 'play'>, lang: string | null | undefined, text: string): void {
  if (/^https?:\/\//.test(text)) {
    node.play({}, text);
    return;
  }
  const l = voiceLanguage(lang);
  node.say(l === 'fa' ? { language: 'fa-IR' as never } : { language: 'en-US', voice: 'Polly.Joanna-Neural' }, text);
}

/** A per-number override in the caller's language, else the catalogue text. */
export function override(map: Record<string, string> | null | undefined, lang: string | null | undefined, fallback: string): string {
  const v = map?.[voiceLanguage(lang)];
  return v && v.trim() ? v : fallback;
}
