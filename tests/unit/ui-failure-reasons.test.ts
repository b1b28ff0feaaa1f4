import { describe, expect, it } from 'vitest';
import { i18n, applyLocale } from '../../agent-ui/src/i18n';
import { failureReason } from '../../agent-ui/src/lib/failure-reasons';

// A Persian-speaking agent reads why a reply failed or a hand-over was refused in Persian, not in the server's English.
const say = (lang: 'en' | 'fa', message: string) => {
  applyLocale(lang);
  return failureReason(i18n.global.t, message);
};

describe('failure reasons in the reader\'s language', () => {
  it('translates the delivery errors met while trying the hub, nested "retrying:" included', () => {
    expect(say('fa', 'no mailbox can send this case (configure a mailbox with SMTP, or SMTP_URL and SMTP_FROM)')).toMatch(/^هیچ صندوق ایمیلی/);
    expect(say('fa', 'retrying: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN')).toBe('تلاش دوباره: هیچ حساب Twilio پیکربندی نشده است (TWILIO_ACCOUNT_SID و TWILIO_AUTH_TOKEN)');
    expect(say('fa', 'no SMS-enabled Twilio number is configured (Admin → Phone numbers, /admin/phone-numbers)')).toMatch(/^هیچ شماره Twilio/);
  });

  it('translates the refusal to hand a live chat to an Offline agent', () => {
    const m = 'Olga Offline is offline: a live chat can only go to someone who is online (or to a queue)';
    expect(say('fa', m)).toBe('Olga Offline آفلاین است: گفتگوی زنده را فقط می‌توان به کسی که آنلاین است (یا به یک صف) سپرد');
    expect(say('en', m)).toBe(m);
  });

  it('keeps an address a left-to-right run inside the Persian sentence, and anything unknown as the server wrote it', () => {
    expect(say('fa', 'noreply@shop.example does not accept replies')).toBe('\u2066noreply@shop.example\u2069 پاسخ نمی‌پذیرد');
    expect(say('fa', 'SMTP rejected the message: 550 mailbox full')).toBe('SMTP rejected the message: 550 mailbox full');
  });
});
