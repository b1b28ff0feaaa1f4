// Customer notice templates: a default per event and language shipped here, an admin's edit (table
// notice_templates) wins. Placeholders in braces are filled from the case; unknown ones stay as typed.
import type { Queryable } from '../db/pool.js';
import { CUSTOMER_NOTICE_EVENTS, type CustomerNoticeEvent } from '../contracts/vocabulary.js';
import { lang, type Lang } from './messages.js';

export interface NoticeTemplate {
  subject: string;
  /** the email body (plain text) */
  body: string;
  /** the SMS text: short, one or two segments */
  sms: string;
}

/** What a template may use. */
export const NOTICE_PLACEHOLDERS = ['name', 'number', 'subject', 'link', 'csatLink', 'team', 'days'] as const;
export type NoticeVars = Record<(typeof NOTICE_PLACEHOLDERS)[number], string>;

export const DEFAULT_NOTICE_TEMPLATES: Record<CustomerNoticeEvent, Record<Lang, NoticeTemplate>> = {
  received: {
    en: {
      subject: 'We received your request [#{number}]',
      body: 'Hello {name},\n\nThank you for contacting us. Your request has been recorded as case #{number}; we will answer as soon as possible.\n\nYou can follow it in the portal: {link}\n\n{team}',
      sms: 'We received your request #{number} and will answer soon. {team}',
    },
    fa: {
      subject: 'درخواست شما دریافت شد [#{number}]',
      body: '{name} گرامی، سلام\n\nاز تماس شما سپاسگزاریم. درخواست شما با شماره‌ی پرونده #{number} ثبت شد و در اسرع وقت پاسخ می‌دهیم.\n\nپیگیری در پورتال: {link}\n\n{team}',
      sms: 'درخواست شما با شماره #{number} ثبت شد و به‌زودی پاسخ می‌دهیم. {team}',
    },
  },
  replied: {
    en: {
      subject: 'New reply to your request [#{number}] {subject}',
      body: 'Hello {name},\n\nThere is a new reply to your request. Read it and answer in the portal:\n\n{link}\n\n{team}',
      sms: 'There is a new reply to your request #{number}: {link}',
    },
    fa: {
      subject: 'پاسخ تازه به درخواست شما [#{number}] {subject}',
      body: '{name} گرامی، سلام\n\nپاسخ تازه‌ای به درخواست شما رسیده است. آن را در پورتال بخوانید و پاسخ دهید:\n\n{link}\n\n{team}',
      sms: 'پاسخ تازه‌ای به درخواست #{number} شما رسیده است: {link}',
    },
  },
  needs_reply: {
    en: {
      subject: 'We need your reply [#{number}]',
      body: 'Hello {name},\n\nTo go on with your request #{number} we need an answer from you. Reply to this message, or in the portal: {link}\n\n{team}',
      sms: 'We need your reply to go on with request #{number}. Just answer this message. {team}',
    },
    fa: {
      subject: 'منتظر پاسخ شما هستیم [#{number}]',
      body: '{name} گرامی، سلام\n\nبرای ادامه‌ی رسیدگی به درخواست #{number} به پاسخ شما نیاز داریم. به همین پیام یا در پورتال پاسخ دهید: {link}\n\n{team}',
      sms: 'برای ادامه‌ی رسیدگی به درخواست #{number} منتظر پاسخ شما هستیم. کافی است به همین پیام پاسخ دهید. {team}',
    },
  },
  solved: {
    en: {
      subject: 'Your request is solved [#{number}]',
      body: 'Hello {name},\n\nWe have marked your request #{number} as solved. If anything is still not right, just reply within {days} days and it will be reopened.\n\n{team}',
      sms: 'Your request #{number} is solved. Not quite? Reply within {days} days to reopen it. {team}',
    },
    fa: {
      subject: 'درخواست شما حل شد [#{number}]',
      body: '{name} گرامی، سلام\n\nدرخواست #{number} شما حل‌شده علامت خورد. اگر هنوز مشکلی هست، تا {days} روز به همین پیام پاسخ دهید تا دوباره باز شود.\n\n{team}',
      sms: 'درخواست #{number} شما حل شد. اگر مشکل باقی است تا {days} روز پاسخ دهید تا دوباره باز شود. {team}',
    },
  },
  closed: {
    en: {
      subject: 'Your request is closed [#{number}]',
      body: 'Hello {name},\n\nYour request #{number} is now closed. If you need more help, write to us again and we will open a new request.\n\n{team}',
      sms: 'Your request #{number} is closed. Write to us again any time. {team}',
    },
    fa: {
      subject: 'درخواست شما بسته شد [#{number}]',
      body: '{name} گرامی، سلام\n\nدرخواست #{number} شما بسته شد. اگر باز هم کمک لازم داشتید، دوباره برای ما بنویسید تا درخواست تازه‌ای باز شود.\n\n{team}',
      sms: 'درخواست #{number} شما بسته شد. هر زمان خواستید دوباره پیام دهید. {team}',
    },
  },
  csat: {
    en: {
      subject: 'How did we do? [#{number}]',
      body: 'Hello {name},\n\nHow happy are you with the help you got on request #{number}? Rate it with one click:\n\n{csatLink}\n\n{team}',
      sms: 'How did we do with request #{number}? Rate us: {csatLink}',
    },
    fa: {
      subject: 'از خدمات ما راضی بودید؟ [#{number}]',
      body: '{name} گرامی، سلام\n\nچقدر از پاسخ‌گویی به درخواست #{number} راضی هستید؟ با یک کلیک امتیاز دهید:\n\n{csatLink}\n\n{team}',
      sms: 'از پاسخ‌گویی به درخواست #{number} راضی بودید؟ امتیاز دهید: {csatLink}',
    },
  },
};

export function fillTemplate(t: string, vars: Partial<NoticeVars>): string {
  return t.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? (vars as Record<string, string>)[k]! : m));
}

export function renderNotice(t: NoticeTemplate, vars: Partial<NoticeVars>): NoticeTemplate {
  return { subject: fillTemplate(t.subject, vars), body: fillTemplate(t.body, vars), sms: fillTemplate(t.sms, vars) };
}

export interface StoredTemplate extends NoticeTemplate {
  event: CustomerNoticeEvent;
  language: Lang;
  /** false: the shipped default */
  edited: boolean;
  updatedAt: string | null;
}

/** Every event × language, the admin's edit where there is one, else the default. */
export async function listNoticeTemplates(db: Queryable): Promise<StoredTemplate[]> {
  const r = await db.query(`SELECT event, language, subject, body, sms, updated_at FROM notice_templates`);
  const edited = new Map(r.rows.map((x) => [`${x.event}:${x.language}`, x]));
  return CUSTOMER_NOTICE_EVENTS.flatMap((event) =>
    (['en', 'fa'] as const).map((language) => {
      const row = edited.get(`${event}:${language}`);
      const base = DEFAULT_NOTICE_TEMPLATES[event][language];
      return row
        ? { event, language, subject: row.subject, body: row.body, sms: row.sms, edited: true, updatedAt: new Date(row.updated_at).toISOString() }
        : { event, language, ...base, edited: false, updatedAt: null };
    }),
  );
}

export async function noticeTemplate(db: Queryable, event: CustomerNoticeEvent, language: string): Promise<NoticeTemplate> {
  const l = lang(language);
  const r = await db.query(`SELECT subject, body, sms FROM notice_templates WHERE event = $1 AND language = $2`, [event, l]);
  return r.rows[0] ?? DEFAULT_NOTICE_TEMPLATES[event][l];
}

export interface NoticeSettings {
  /** event → on/off (unset: on) */
  events: Partial<Record<CustomerNoticeEvent, boolean>>;
  /** close solved cases after this many days without a customer reply; 0 = never */
  autoCloseDays: number;
  team: string;
}

export async function noticeSettings(db: Queryable): Promise<NoticeSettings> {
  const r = await db.query(`SELECT notice_events, auto_close_days, name, branding FROM organisation_settings LIMIT 1`);
  const row = r.rows[0];
  return { events: row?.notice_events ?? {}, autoCloseDays: row?.auto_close_days ?? 7, team: row?.branding?.name || row?.name || '' };
}

/** Sample values for the admin preview. */
export function sampleVars(language: Lang, publicUrl: string, s: Pick<NoticeSettings, 'autoCloseDays' | 'team'>): NoticeVars {
  return {
    name: language === 'fa' ? 'سارا رضایی' : 'Sara Rezaei',
    number: '1042',
    subject: language === 'fa' ? 'سفارش نرسیده است' : 'My order has not arrived',
    link: `${publicUrl}/portal/requests/1042`,
    csatLink: `${publicUrl}/portal/csat/…`,
    team: s.team || (language === 'fa' ? 'تیم پشتیبانی' : 'The support team'),
    days: String(s.autoCloseDays),
  };
}
