/**
 * Everything a caller hears, per language, as prompt keys with their texts. The same keys name the recorded audio
 * files (assets/voice-prompts/<lang>/<key>.wav, listed with their texts in manifest.json), so a provider without
 * text-to-speech in a language (Twilio has none for Persian; Asterisk has none at all) plays recordings instead.
 */
export const PROMPT_LANGUAGES = ['en', 'fa'] as const;
export type PromptLanguage = (typeof PROMPT_LANGUAGES)[number];

export function promptLanguage(lang: string | null | undefined): PromptLanguage {
  return lang === 'fa' ? 'fa' : 'en';
}

/** Whole sentences: each is one recording, and each can be replaced per phone number. */
export const SENTENCES = {
  greeting: { en: 'Thank you for calling. Your call is important to us.', fa: 'از تماس شما سپاسگزاریم. تماس شما برای ما مهم است.' },
  menu: { en: 'Please choose from the following options.', fa: 'لطفاً یکی از گزینه‌های زیر را انتخاب کنید.' },
  positionNext: { en: 'You are next in line.', fa: 'شما نفر بعدی در صف هستید.' },
  estimateUnderMinute: { en: 'Your estimated wait is less than a minute.', fa: 'زمان انتظار شما کمتر از یک دقیقه است.' },
  connecting: { en: 'Connecting you to an agent.', fa: 'در حال اتصال شما به کارشناس.' },
  allBusy: { en: 'All of our agents are still busy.', fa: 'همه کارشناسان ما هنوز مشغول هستند.' },
  leaveMessage: {
    en: 'Please leave a message with your name and reason for calling after the tone, and we will call you back.',
    fa: 'لطفاً پس از شنیدن بوق، نام و موضوع تماس خود را بگویید تا با شما تماس بگیریم.',
  },
  noVoicemail: { en: 'Please try again later. Goodbye.', fa: 'لطفاً بعداً دوباره تماس بگیرید. خدانگهدار.' },
  afterHours: { en: 'Our office is closed right now.', fa: 'در حال حاضر خارج از ساعات کاری هستیم.' },
  thanksMessage: { en: 'Thank you. We will call you back as soon as possible. Goodbye.', fa: 'سپاسگزاریم. در اولین فرصت با شما تماس می‌گیریم. خدانگهدار.' },
  goodbye: { en: 'Thank you for calling. Goodbye.', fa: 'از تماس شما سپاسگزاریم. خدانگهدار.' },
  transferHold: { en: 'Please hold while we transfer your call.', fa: 'لطفاً منتظر بمانید تا تماس شما منتقل شود.' },
  agentNotReached: { en: 'We could not reach the agent. Please stay on the line.', fa: 'کارشناس در دسترس نبود. لطفاً پشت خط بمانید.' },
  notInService: {
    en: 'This number does not take calls. Please send us a text message instead. Goodbye.',
    fa: 'این شماره تماس صوتی نمی‌پذیرد. لطفاً پیامک ارسال کنید. خدانگهدار.',
  },
} as const satisfies Record<string, Record<PromptLanguage, string>>;
export type SentenceKey = keyof typeof SENTENCES;
export const SENTENCE_KEYS = Object.keys(SENTENCES) as SentenceKey[];

/**
 * Sentences with a number in them, spoken as: the part before, the number (number-word prompts), the part after.
 * The text of such a sentence is exactly `before + ' ' + n + ' ' + after` (see sentenceText), so a text can be
 * read back into its number (prompt-requests.ts).
 */
export const NUMBER_SENTENCES = {
  position: { en: ['You are number', 'in line.'], fa: ['شما نفر', 'در صف هستید.'] },
  estimate: { en: ['Your estimated wait is about', 'minutes.'], fa: ['زمان انتظار شما حدود', 'دقیقه است.'] },
} as const satisfies Record<string, Record<PromptLanguage, readonly [string, string]>>;
export type NumberSentence = keyof typeof NUMBER_SENTENCES;

/** The pieces recorded on their own: the parts around numbers, and the menu's "for option N, press N". */
export const PIECES = {
  positionBefore: { en: NUMBER_SENTENCES.position.en[0], fa: NUMBER_SENTENCES.position.fa[0] },
  positionAfter: { en: NUMBER_SENTENCES.position.en[1], fa: NUMBER_SENTENCES.position.fa[1] },
  estimateBefore: { en: NUMBER_SENTENCES.estimate.en[0], fa: NUMBER_SENTENCES.estimate.fa[0] },
  estimateAfter: { en: NUMBER_SENTENCES.estimate.en[1], fa: NUMBER_SENTENCES.estimate.fa[1] },
  optionFor: { en: 'For option', fa: 'برای گزینه' },
  optionPress: { en: 'press', fa: 'عدد' },
  optionEnd: { en: '', fa: 'را فشار دهید.' },
} as const satisfies Record<string, Record<PromptLanguage, string>>;
export type PieceKey = keyof typeof PIECES;

export function sentenceText(kind: NumberSentence, lang: PromptLanguage, n: number): string {
  const [before, after] = NUMBER_SENTENCES[kind][lang];
  return `${before} ${n} ${after}`;
}

/** The menu line's text (said by text-to-speech where there is one); its recording is "for option N, press N". */
export function menuOptionText(lang: PromptLanguage, digit: string, label: string): string {
  return lang === 'fa' ? `برای ${label}، عدد ${digit} را فشار دهید.` : `For ${label}, press ${digit}.`;
}
