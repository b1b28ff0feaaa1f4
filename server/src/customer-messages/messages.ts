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
    transcriptConfirmSubject: 'Confirm your email address to receive your chat transcript',
    transcriptConfirmBody: (link: string, minutes: number) =>
      `Someone asked on our website for a chat transcript to be sent to this address. If it was you, open this link to confirm the address and receive it:\n\n${link}\n\nThe link expires in ${minutes} minutes. If it was not you, ignore this message; nothing will be sent.`,
    transcriptConfirmTitle: 'Send me the chat transcript',
    transcriptConfirmAs: 'Send the transcript to',
    transcriptConfirmButton: 'Confirm and send',
    transcriptOnItsWay: 'Thank you. The transcript is on its way to your inbox.',
    transcriptAlreadySent: 'The transcript of this conversation has already been sent.',
    transcriptLinkBad: 'This link is not valid any more. Ask for the transcript again in the chat.',
    transcriptRefusals: {
      no_address: 'An email address is needed for the transcript.',
      no_conversation: 'There is no conversation yet.',
      already_sent: 'The transcript of this conversation has already been sent.',
      rate_limited: (s: number) => `Too many transcript requests; try again in ${Math.ceil(s / 60)} minutes.`,
    },
    transcriptConfirmSent: (to: string) => `We emailed a confirmation link to ${to}. Open it to receive the transcript.`,
    transcriptSentTo: (to: string) => `The transcript is on its way to ${to}.`,
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
    transcriptConfirmSubject: 'برای دریافت متن گفتگو نشانی ایمیل خود را تأیید کنید',
    transcriptConfirmBody: (link: string, minutes: number) =>
      `کسی در وب‌سایت ما خواسته است متن یک گفتگو به این نشانی فرستاده شود. اگر خودتان بوده‌اید، برای تأیید نشانی و دریافت متن این پیوند را باز کنید:\n\n${link}\n\nاین پیوند تا ${minutes} دقیقه دیگر معتبر است. اگر شما نبوده‌اید، این پیام را نادیده بگیرید؛ چیزی فرستاده نمی‌شود.`,
    transcriptConfirmTitle: 'ارسال متن گفتگو',
    transcriptConfirmAs: 'ارسال متن گفتگو به',
    transcriptConfirmButton: 'تأیید و ارسال',
    transcriptOnItsWay: 'سپاس. متن گفتگو به ایمیل شما فرستاده می‌شود.',
    transcriptAlreadySent: 'متن این گفتگو پیش‌تر فرستاده شده است.',
    transcriptLinkBad: 'این پیوند دیگر معتبر نیست. دوباره از پنجره‌ی گفتگو درخواست کنید.',
    transcriptRefusals: {
      no_address: 'برای ارسال متن گفتگو نشانی ایمیل لازم است.',
      no_conversation: 'هنوز گفتگویی نیست.',
      already_sent: 'متن این گفتگو پیش‌تر فرستاده شده است.',
      rate_limited: (s: number) => `درخواست‌های ارسال متن گفتگو بیش از حد است؛ ${Math.ceil(s / 60)} دقیقه‌ی دیگر دوباره تلاش کنید.`,
    },
    transcriptConfirmSent: (to: string) => `پیوند تأیید به ${to} فرستاده شد. برای دریافت متن گفتگو آن را باز کنید.`,
    transcriptSentTo: (to: string) => `متن گفتگو به ${to} فرستاده می‌شود.`,
  },
} as const;

export const t = (l: string | null | undefined) => catalogue[lang(l)];
