import { createI18n } from 'vue-i18n';

const en = {
  app: { title: 'Support', requests: 'My requests', newRequest: 'New request', kb: 'Help center', signOut: 'Sign out', language: 'Language' },
  signin: {
    title: 'Sign in',
    intro: 'No password needed: we send you a one-time link or code.',
    byEmail: 'Email me a link',
    bySms: 'Text me a code',
    email: 'Email address',
    phone: 'Mobile number',
    sendLink: 'Send sign-in link',
    sendCode: 'Send code',
    code: '6-digit code',
    verify: 'Sign in',
    linkSent: 'Check your inbox: we sent a sign-in link to {email}.',
    codeSent: 'We texted a code to {phone}.',
    errors: {
      link_used: 'This sign-in link was already used. Ask for a new one.',
      link_expired: 'This sign-in link has expired. Ask for a new one.',
      link_invalid: 'This sign-in link is not valid. Ask for a new one.',
    },
  },
  requests: { empty: 'You have no requests yet.', subject: 'Subject', status: 'Status', updated: 'Last update', ref: 'Reference', rated: 'Rated {n}/5' },
  status: { new: 'New', open: 'Open', pending: 'Waiting for you', solved: 'Solved', closed: 'Closed' },
  newRequest: {
    subject: 'Subject',
    description: 'Describe your request',
    category: 'Category',
    noCategory: 'Choose a category',
    attachments: 'Attachments',
    submit: 'Submit request',
    suggested: 'These articles may answer your question:',
    done: 'Thank you! Your request was received. Your reference is #{n}.',
    view: 'View request',
  },
  detail: {
    you: 'You',
    agent: 'Support',
    reply: 'Your reply',
    send: 'Send reply',
    reopen: 'Reopen request',
    rate: 'How satisfied are you with the resolution?',
    comment: 'Comment (optional)',
    submitRating: 'Send rating',
    thanks: 'Thank you for rating this request ({n}/5).',
    via: 'via {channel}',
  },
  channel: { voice: 'phone', chat: 'chat', sms: 'SMS', email: 'email', portal: 'the portal', api: 'the API' },
  kb: { search: 'Search the help center', none: 'No articles found.', back: 'Back to help center' },
  errors: { generic: 'Something went wrong: {msg}', tooBig: 'The file {name} is too large.' },
};

const fa: typeof en = {
  app: { title: 'پشتیبانی', requests: 'درخواست‌های من', newRequest: 'درخواست تازه', kb: 'مرکز راهنما', signOut: 'خروج', language: 'زبان' },
  signin: {
    title: 'ورود',
    intro: 'نیازی به گذرواژه نیست: یک پیوند یا کد یک‌بارمصرف برایتان می‌فرستیم.',
    byEmail: 'پیوند با ایمیل',
    bySms: 'کد با پیامک',
    email: 'نشانی ایمیل',
    phone: 'شماره همراه',
    sendLink: 'ارسال پیوند ورود',
    sendCode: 'ارسال کد',
    code: 'کد ۶ رقمی',
    verify: 'ورود',
    linkSent: 'صندوق ایمیل خود را ببینید: پیوند ورود به {email} فرستاده شد.',
    codeSent: 'کد به {phone} پیامک شد.',
    errors: {
      link_used: 'این پیوند ورود قبلاً استفاده شده است. پیوند تازه بخواهید.',
      link_expired: 'این پیوند ورود منقضی شده است. پیوند تازه بخواهید.',
      link_invalid: 'این پیوند ورود معتبر نیست. پیوند تازه بخواهید.',
    },
  },
  requests: { empty: 'هنوز درخواستی ندارید.', subject: 'موضوع', status: 'وضعیت', updated: 'آخرین به‌روزرسانی', ref: 'شماره پیگیری', rated: 'امتیاز {n} از ۵' },
  status: { new: 'تازه', open: 'باز', pending: 'در انتظار پاسخ شما', solved: 'حل‌شده', closed: 'بسته' },
  newRequest: {
    subject: 'موضوع',
    description: 'درخواست خود را شرح دهید',
    category: 'دسته',
    noCategory: 'یک دسته انتخاب کنید',
    attachments: 'پیوست‌ها',
    submit: 'ثبت درخواست',
    suggested: 'شاید این مقاله‌ها پاسخ پرسش شما باشند:',
    done: 'سپاس! درخواست شما ثبت شد. شماره پیگیری شما {n} است.',
    view: 'مشاهده درخواست',
  },
  detail: {
    you: 'شما',
    agent: 'پشتیبانی',
    reply: 'پاسخ شما',
    send: 'ارسال پاسخ',
    reopen: 'بازگشایی درخواست',
    rate: 'چقدر از حل درخواست راضی هستید؟',
    comment: 'نظر (اختیاری)',
    submitRating: 'ثبت امتیاز',
    thanks: 'از امتیاز شما سپاسگزاریم ({n} از ۵).',
    via: 'از طریق {channel}',
  },
  channel: { voice: 'تلفن', chat: 'گفتگوی آنلاین', sms: 'پیامک', email: 'ایمیل', portal: 'پورتال', api: 'API' },
  kb: { search: 'جستجو در مرکز راهنما', none: 'مقاله‌ای یافت نشد.', back: 'بازگشت به مرکز راهنما' },
  errors: { generic: 'خطایی رخ داد: {msg}', tooBig: 'فایل {name} بیش از حد بزرگ است.' },
};

export type Locale = 'en' | 'fa';

/** The visitor's choice (URL, then what they picked before); null when they have not chosen. */
export function chosenLocale(): Locale | null {
  const saved = new URLSearchParams(location.search).get('lang') ?? localStorage.getItem('portal-lang');
  return saved === 'fa' || saved === 'en' ? saved : null;
}

function initialLocale(): Locale {
  return chosenLocale() ?? (navigator.language.slice(0, 2) === 'fa' ? 'fa' : 'en');
}

export const i18n = createI18n({ legacy: false, locale: initialLocale(), fallbackLocale: 'en', messages: { en, fa } });

/** Switches language and page direction (Persian is right to left); `remember` = the visitor chose it. */
export function applyLocale(l: Locale, remember = true) {
  i18n.global.locale.value = l;
  if (remember) localStorage.setItem('portal-lang', l);
  document.documentElement.lang = l;
  document.documentElement.dir = l === 'fa' ? 'rtl' : 'ltr';
}

/** The organisation's time zone (Admin → Settings), set at start; dates show in it, not the browser's. */
let timeZone: string | undefined;
export function setTimeZone(tz: string | undefined) {
  timeZone = tz;
}

/** A date in the Persian (Solar Hijri) calendar with Persian digits in fa, in the organisation's time zone. */
export const formatDate = (iso: string, l: string) =>
  new Intl.DateTimeFormat(l === 'fa' ? 'fa-IR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));

/** A number (reference, rating) in the language's digits: ۱۲۳ in fa. */
export const formatNumber = (n: number, l: string) => new Intl.NumberFormat(l === 'fa' ? 'fa-IR' : 'en-US', { useGrouping: false }).format(n);
