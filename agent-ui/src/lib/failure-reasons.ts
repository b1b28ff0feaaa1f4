import { ltr } from './bidi';

/**
 * The server explains failures in English (delivery errors, refusals). The ones people meet while trying the hub are
 * recognised here and said in the reader's language; anything else is shown as the server wrote it.
 */
const KNOWN: [RegExp, string, (m: RegExpExecArray) => Record<string, string>][] = [
  [/^retrying: (.*)$/s, 'reasons.retrying', (m) => ({ reason: m[1]! })],
  [/^no mailbox can send this case/, 'reasons.noMailbox', () => ({})],
  [/^mailbox (\S+) has no SMTP server configured$/, 'reasons.mailboxNoSmtp', (m) => ({ mailbox: ltr(m[1]!) })],
  [/^no SMS-enabled Twilio number is configured/, 'reasons.noSmsNumber', () => ({})],
  [/^set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN$/, 'reasons.noTwilio', () => ({})],
  [/^the customer has no phone number$/, 'reasons.noPhone', () => ({})],
  [/^"(.*)" is not an email address$/, 'reasons.notEmail', (m) => ({ address: ltr(m[1]!) })],
  [/^(\S+) does not accept replies$/, 'reasons.noReply', (m) => ({ address: ltr(m[1]!) })],
  [/^cannot send: the customer opted out of SMS \(replied STOP on (\d{4}-\d{2}-\d{2})\)/, 'reasons.optedOut', (m) => ({ date: ltr(m[1]!) })],
  [/^(.+) is offline: a live (chat|call) can only go to someone who is online/, 'reasons.transferOffline', (m) => ({ name: m[1]!, what: m[2]! })],
  [/^choose a disposition before solving/, 'st.dispositionNeeded', () => ({})],
];

/** Any vue-i18n `t` (component or global): a key and named parameters in, text out. */
type Translate = (key: string, params: Record<string, string>) => string;

export function failureReason(t: Translate, message: string): string {
  for (const [re, key, params] of KNOWN) {
    const m = re.exec(message);
    if (m) {
      const p = params(m);
      // a nested reason (retrying: …) is translated too
      if (p.reason) p.reason = failureReason(t, p.reason);
      if (p.what) p.what = t(p.what === 'call' ? 'reasons.liveCall' : 'reasons.liveChat', {});
      return t(key, p);
    }
  }
  return message;
}
