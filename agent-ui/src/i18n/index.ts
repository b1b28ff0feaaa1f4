import { createI18n } from 'vue-i18n';
import en from './en';
import fa from './fa';
import { supervisorMessages } from './supervisor';
import { adminMessages } from '../admin/i18n';
import { viewMessages } from './views';
import { automationMessages } from '../admin/automation-i18n';
import { agentStateMessages } from './agent-states';
import { durationParts } from '../lib/duration';

export type Locale = 'en' | 'fa';
export const LOCALES: Locale[] = ['en', 'fa'];
const STORAGE_KEY = 'ch.locale';

export function initialLocale(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (saved === 'en' || saved === 'fa') return saved;
  return typeof navigator !== 'undefined' && navigator.language?.startsWith('fa') ? 'fa' : 'en';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: {
    en: { ...en, ...supervisorMessages.en, ...adminMessages.en, ...viewMessages.en, ...automationMessages.en, ...agentStateMessages.en },
    fa: { ...fa, ...supervisorMessages.fa, ...adminMessages.fa, ...viewMessages.fa, ...automationMessages.fa, ...agentStateMessages.fa },
  },
  missingWarn: false,
  fallbackWarn: false,
});

/** Persian is written right to left; the whole document flips so layout and scrollbars follow. */
export function applyLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, locale);
  if (typeof document !== 'undefined') {
    document.documentElement.lang = locale;
    document.documentElement.dir = locale === 'fa' ? 'rtl' : 'ltr';
  }
}

// fa-IR formats with the Persian (Solar Hijri) calendar and Persian digits.
const intlLocale = (l: string) => (l === 'fa' ? 'fa-IR' : 'en-GB');
const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(locale: string, kind: 'dateTime' | 'time' | 'date'): Intl.DateTimeFormat {
  const key = `${locale}:${kind}`;
  let f = cache.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === 'dateTime' ? { dateStyle: 'medium', timeStyle: 'short' } : kind === 'time' ? { timeStyle: 'short' } : { dateStyle: 'medium' };
    f = new Intl.DateTimeFormat(intlLocale(locale), opts);
    cache.set(key, f);
  }
  return f;
}

export function formatDateTime(iso: string | null | undefined, locale: string = i18n.global.locale.value): string {
  return iso ? fmt(locale, 'dateTime').format(new Date(iso)) : '';
}
export function formatDate(iso: string | null | undefined, locale: string = i18n.global.locale.value): string {
  return iso ? fmt(locale, 'date').format(new Date(iso)) : '';
}
/** Today: time only; otherwise date and time. */
export function formatWhen(iso: string, locale: string = i18n.global.locale.value, now = new Date()): string {
  const d = new Date(iso);
  return d.toDateString() === now.toDateString() ? fmt(locale, 'time').format(d) : fmt(locale, 'dateTime').format(d);
}
export function formatNumber(n: number, locale: string = i18n.global.locale.value): string {
  return new Intl.NumberFormat(intlLocale(locale)).format(n);
}
/** "1h 5m", "۱ ساعت ۵ دقیقه". */
export function formatSpan(ms: number, locale: string = i18n.global.locale.value): string {
  const t = i18n.global.t;
  const parts = durationParts(ms).map((p) => t(`time.${p.unit}`, { n: formatNumber(p.n, locale) }));
  return parts.join(' ');
}
