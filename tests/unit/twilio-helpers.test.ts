import { describe, expect, it } from 'vitest';
import { keywordAction, normaliseKeyword } from '../../server/src/channels/sms/opt-out.js';
import { isOpen } from '../../server/src/channels/twilio/numbers.js';
import { rebaseTwilioUrl } from '../../server/src/channels/twilio/client.js';
import { mapTwilioMessageStatus } from '../../server/src/channels/sms/providers/twilio/status.js';

describe('SMS keywords', () => {
  it('recognises opt-out and opt-in keywords however they are typed, in English and Persian', () => {
    for (const b of ['STOP', ' stop ', 'Stop.', 'UNSUBSCRIBE', 'cancel!', 'STOP1', 'لغو', 'لغو11', 'لغو۱۱', 'توقف', 'لغو عضویت', 'لغو\u200cعضویت', 'لغو عضويت', 'انصراف']) {
      expect(keywordAction(b), b).toBe('opt_out');
    }
    for (const b of ['START', 'start', 'Unstop', 'شروع', 'عضویت']) expect(keywordAction(b), b).toBe('opt_in');
    for (const b of ['stop sending me bills please', 'where is my order', 'لغو سفارش من', '']) expect(keywordAction(b), b).toBeNull();
  });

  it('trusts Twilio’s own classification when present', () => {
    expect(keywordAction('arret', 'STOP')).toBe('opt_out');
    expect(keywordAction('hello', 'START')).toBe('opt_in');
    expect(normaliseKeyword('  S T O P ')).toBe('stop');
  });
});

describe('business hours', () => {
  const hours = { timezone: 'Asia/Tehran', weekly: { sat: [['08:00', '17:00']] as [string, string][], sun: [['08:00', '12:00'], ['13:00', '17:00']] as [string, string][] } };
  it('is judged in the number’s own time zone, with lunch breaks and closed days', () => {
    // Tehran is UTC+03:30 all year
    expect(isOpen(hours, new Date('2026-11-21T05:00:00Z'))).toBe(true); // Sat 08:30
    expect(isOpen(hours, new Date('2026-11-21T04:00:00Z'))).toBe(false); // Sat 07:30
    expect(isOpen(hours, new Date('2026-11-21T13:30:00Z'))).toBe(false); // Sat 17:00 sharp: closed
    expect(isOpen(hours, new Date('2026-11-22T09:00:00Z'))).toBe(false); // Sun 12:30 lunch
    expect(isOpen(hours, new Date('2026-11-22T10:00:00Z'))).toBe(true); // Sun 13:30
    expect(isOpen(hours, new Date('2026-11-20T08:00:00Z'))).toBe(false); // Friday: no hours
    expect(isOpen(null)).toBe(true);
  });

  it('stays open through a night shift past midnight', () => {
    const night = { timezone: 'Asia/Tehran', weekly: { fri: [['22:00', '02:00']] as [string, string][] } };
    expect(isOpen(night, new Date('2026-11-20T19:00:00Z'))).toBe(true); // Fri 22:30
    expect(isOpen(night, new Date('2026-11-20T21:00:00Z'))).toBe(true); // Sat 00:30, still Friday's shift
    expect(isOpen(night, new Date('2026-11-20T23:00:00Z'))).toBe(false); // Sat 02:30
  });

  it('is closed all day on a holiday, judged by the date in that time zone', () => {
    const withHoliday = { ...hours, holidays: [{ date: '2026-11-21', name: 'Holiday' }] };
    expect(isOpen(withHoliday, new Date('2026-11-21T05:00:00Z'))).toBe(false); // Sat 08:30, a holiday
    expect(isOpen(withHoliday, new Date('2026-11-22T10:00:00Z'))).toBe(true); // Sun 13:30
    // 2026-11-20 21:00 UTC is already Saturday 00:30 in Tehran: the holiday has begun there
    expect(isOpen({ timezone: 'Asia/Tehran', weekly: { fri: [['00:00', '24:00']], sat: [['00:00', '24:00']] }, holidays: [{ date: '2026-11-21' }] }, new Date('2026-11-20T21:00:00Z'))).toBe(false);
  });
});

describe('Twilio helpers', () => {
  it('re-points api.twilio.com URLs at the configured base and leaves others alone', () => {
    expect(rebaseTwilioUrl('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1', 'http://127.0.0.1:9999/base/')).toBe(
      'http://127.0.0.1:9999/base/2010-04-01/Accounts/AC1/Messages.json?x=1',
    );
    expect(rebaseTwilioUrl('https://cdn.example.com/a.png', 'http://127.0.0.1:9999')).toBe('https://cdn.example.com/a.png');
    expect(rebaseTwilioUrl('https://api.twilio.com/x', null)).toBe('https://api.twilio.com/x');
  });

  it('maps Twilio message statuses onto delivery states', () => {
    expect(['accepted', 'queued', 'sending', 'sent', 'delivered', 'read', 'undelivered', 'failed', 'weird'].map(mapTwilioMessageStatus)).toEqual([
      'queued', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'failed', null,
    ]);
  });
});

describe('Twilio configuration', () => {
  it('validates the Twilio settings with a clear reason and fills in defaults', async () => {
    const { loadConfig } = await import('../../server/src/config.js');
    const base = { NODE_ENV: 'test', DATABASE_URL: 'postgres://u@localhost/db', REDIS_URL: 'redis://localhost:6379' };
    const c = loadConfig({ ...base, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_DEFAULT_COUNTRY: 'ir' });
    expect(c.twilio).toMatchObject({ accountSid: 'AC1', authToken: 't', defaultCountry: 'IR', apiKeySid: null, twimlAppSid: null });
    expect(c.twilio.holdMusicUrl).toMatch(/^https?:\/\//);
    expect(() => loadConfig({ ...base, TWILIO_DEFAULT_COUNTRY: 'Iran', TWILIO_HOLD_MUSIC_URL: 'not a url', TWILIO_API_BASE_URL: 'ftp://x' })).toThrow(
      /TWILIO_API_BASE_URL must use http: or https:[\s\S]*TWILIO_HOLD_MUSIC_URL is not a valid URL[\s\S]*TWILIO_DEFAULT_COUNTRY must be a two-letter country code/,
    );
  });
});
