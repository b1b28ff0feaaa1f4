import type { Config } from '../../../../config.js';

/** A system SMS (sign-in code) through the Twilio Messages API. */
export async function sendTwilioSystemSms(config: Config, to: string, from: string, body: string): Promise<{ sid: string }> {
  const { accountSid, authToken, apiBaseUrl } = config.twilio;
  if (!accountSid || !authToken) throw new Error('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to send sign-in codes by SMS through Twilio');
  const base = (apiBaseUrl ?? 'https://api.twilio.com').replace(/\/$/, '');
  const res = await fetch(`${base}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ To: to, From: from, Body: body }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json().catch(() => ({}))) as { sid?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(`SMS provider answered ${res.status}: ${json.message ?? 'no detail'}`), { status: res.status });
  return { sid: json.sid ?? '' };
}
