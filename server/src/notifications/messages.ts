// Every text the hub sends to customers on its own (not agent replies), in each supported language.

export type Lang = 'en' | 'fa';
export const lang = (l: string | null | undefined): Lang => (l === 'fa' ? 'fa' : 'en');

const catalogue = {
  en: {
    magicLinkSubject: 'Your sign-in link',
    magicLinkBody: (link: string, minutes: number) =>
      `Use this link to sign in to the support portal:\n\n${link}\n\nIt works once and expires in ${minutes} minutes. If you did not ask for it, ignore this message.`,
    smsCode: (code: string, minutes: number) => `Your support portal code is ${code}. It expires in ${minutes} minutes.`,
    transcriptSubject: (n: number) => `Transcript of your chat [#${n}]`,
    transcriptIntro: 'Here is the transcript of your conversation with us.',
    you: 'You',
    agent: 'Agent',
    replySubject: (n: number, subject: string) => `New reply to your request [#${n}] ${subject}`,
    replyBody: (link: string) => `There is a new reply to your request. Read it and answer in the portal:\n\n${link}`,
  },
  fa: {
    magicLinkSubject: 'پیوند ورود شما',
    magicLinkBody: (link: string, minutes: number) =>
      `برای ورود به پورتال پشتیبانی از این پیوند استفاده کنید:\n\n${link}\n\nاین پیوند یک بار کار می‌کند و تا ${minutes} دقیقه دیگر منقضی می‌شود. اگر آن را درخواست نکرده‌اید، این پیام را نادیده بگیرید.`,
    smsCode: (code: string, minutes: number) => `کد ورود شما به پورتال پشتیبانی: ${code} (تا ${minutes} دقیقه معتبر است)`,
    transcriptSubject: (n: number) => `متن گفتگوی شما [#${n}]`,
    transcriptIntro: 'متن گفتگوی شما با ما در ادامه آمده است.',
    you: 'شما',
    agent: 'کارشناس',
    replySubject: (n: number, subject: string) => `پاسخ تازه به درخواست شما [#${n}] ${subject}`,
    replyBody: (link: string) => `پاسخ تازه‌ای به درخواست شما رسیده است. آن را در پورتال بخوانید و پاسخ دهید:\n\n${link}`,
  },
} as const;

export const t = (l: string | null | undefined) => catalogue[lang(l)];
