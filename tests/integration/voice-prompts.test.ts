import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { silentWav } from '../helpers/files.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, findAll, parseTwiml, postTwilio, sid, twilioEnv, type XmlNode } from '../helpers/twilio-signing.js';
import { dialAgentTwiml, voicemailTwiml } from '../../server/src/channels/voice/twiml-builders.js';

// Recorded voice prompts on Twilio: a Persian caller hears only <Play> (Twilio has no Persian text-to-speech), the
// recordings are served by the hub, and an admin replaces one per phone number.
let ctx: TestContext;
let api: TwilioApiServer;
let adminToken: string;
let support: { id: number };
let agentId: number;
let billing: { id: number };
const MAIN = '+14155550600';
const MENU = '+14155550601';
const NIGHT = '+14155550602';
const TEXT_ONLY = '+14155550603';
const PUB = TWILIO_TEST.publicUrl;
const auth = () => ({ authorization: `Bearer ${adminToken}` });
const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(twilioEnv(api.url));
  support = await makeQueue(ctx.db.pool, { name: 'support', channels: ['voice'] });
  billing = await makeQueue(ctx.db.pool, { name: 'billing', channels: ['voice'] });
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  agentId = (await makeAgent(ctx.db.pool, { queueIds: [support.id] })).id;
  adminToken = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
  const add = async (payload: object) => expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(), payload })).statusCode).toBe(201);
  // typed Persian texts an admin may have set: they cannot be spoken, the recordings play instead
  await add({ e164: MAIN, queueId: support.id, greeting: { en: 'Welcome to Acme support.', fa: 'به پشتیبانی اکمه خوش آمدید.' } });
  await add({
    e164: MENU, queueId: support.id,
    ivr: { prompt: { fa: 'منوی اصلی.' }, options: [{ digit: '1', queueId: support.id, label: { fa: 'پشتیبانی' } }, { digit: '2', queueId: billing.id, label: { fa: 'مالی' } }] },
  });
  await add({ e164: NIGHT, queueId: support.id, businessHours: { timezone: 'Asia/Tehran', weekly: {} }, afterHoursMessage: { fa: 'تعطیل هستیم.' } });
  await add({ e164: TEXT_ONLY, voiceEnabled: false, defaultLanguage: 'fa' });
});
afterAll(async () => {
  await ctx?.close();
  await api?.close();
});

/** Every element of a TwiML document, depth first. */
const all = (n: XmlNode): XmlNode[] => [n, ...n.children.flatMap(all)];
const says = (t: XmlNode) => all(t).filter((x) => x.name === 'Say');
const plays = (t: XmlNode) => all(t).filter((x) => x.name === 'Play').map((x) => x.text);
const prompt = (key: string) => `${PUB}/voice-prompts/fa/${key}.wav`;

async function call(from: string, to: string) {
  const p = { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: from, To: to, CallStatus: 'ringing', Direction: 'inbound' };
  const r = await postTwilio(ctx.app, '/webhooks/twilio/voice', p);
  expect(r.statusCode).toBe(200);
  return { twiml: parseTwiml(r.body), body: r.body, row: (await q(`SELECT * FROM calls WHERE call_sid = $1`, [p.CallSid]))[0] };
}

describe('a +98 caller on Twilio hears only recorded Persian prompts', () => {
  it('greeting, menu, hold position and wait, voicemail, thanks: every answer is <Play>, never <Say language="fa-IR">', async () => {
    const bodies: string[] = [];
    const greet = await call('+989121112233', MAIN);
    bodies.push(greet.body);
    expect(plays(greet.twiml)).toEqual([prompt('greeting')]);

    const menu = await call('+989121112234', MENU);
    bodies.push(menu.body);
    // "for option 1, press 1", "for option 2, press 2", after the greeting and the default menu prompt
    expect(plays(menu.twiml)).toEqual([
      prompt('greeting'), prompt('menu'),
      prompt('optionFor'), prompt('num-1'), prompt('optionPress'), prompt('num-1'), prompt('optionEnd'),
      prompt('optionFor'), prompt('num-2'), prompt('optionPress'), prompt('num-2'), prompt('optionEnd'),
    ]);

    const wait = await postTwilio(ctx.app, `/webhooks/twilio/voice/wait?callId=${greet.row.id}`, { CallSid: greet.row.call_sid, QueuePosition: '25', QueueTime: '10' });
    bodies.push(wait.body);
    const w = plays(parseTwiml(wait.body));
    // "you are number twenty-five (بیست و پنج) in line", then the estimate, then hold music
    expect(w.slice(0, 6)).toEqual([prompt('positionBefore'), prompt('num-20'), prompt('num-and'), prompt('num-5'), prompt('positionAfter'), prompt('estimateBefore')]);
    expect(w.at(-2)).toBe(prompt('estimateAfter'));
    expect(w.at(-1)).toBe(ctx.config.twilio.holdMusicUrl);

    const next = await postTwilio(ctx.app, `/webhooks/twilio/voice/wait?callId=${greet.row.id}`, { CallSid: greet.row.call_sid, QueuePosition: '1', QueueTime: '10' });
    bodies.push(next.body);
    expect(plays(parseTwiml(next.body)).slice(0, 1)).toEqual([prompt('positionNext')]);

    const exit = await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${greet.row.id}`, { CallSid: greet.row.call_sid, QueueResult: 'leave', QueueTime: '130' });
    bodies.push(exit.body);
    const ex = parseTwiml(exit.body);
    expect(plays(ex)).toEqual([prompt('allBusy'), prompt('leaveMessage'), prompt('goodbye')]);
    expect(findAll(ex, 'Record')).toHaveLength(1);

    const thanks = await postTwilio(ctx.app, `/webhooks/twilio/voice/voicemail-done?callId=${greet.row.id}`, { CallSid: greet.row.call_sid });
    bodies.push(thanks.body);
    expect(plays(parseTwiml(thanks.body))).toEqual([prompt('thanksMessage')]);

    for (const b of bodies) {
      expect(says(parseTwiml(b))).toEqual([]);
      expect(b).not.toMatch(/fa-IR/);
    }
  });

  it('the rest of the call: connecting, agent not reached, transfer hold, maximum wait, goodbye — <Play> too', async () => {
    const c = await call('+989121112237', MAIN);
    const step = async (path: string, params: Record<string, string> = {}) => {
      const r = await postTwilio(ctx.app, path, { CallSid: c.row.call_sid, ...params });
      expect(r.statusCode).toBe(200);
      expect(says(parseTwiml(r.body))).toEqual([]);
      expect(r.body).not.toMatch(/fa-IR/);
      return plays(parseTwiml(r.body));
    };
    expect(await step(`/webhooks/twilio/voice/connect?callId=${c.row.id}&agentId=${agentId}`)).toEqual([prompt('connecting')]);
    expect(await step(`/webhooks/twilio/voice/connect?callId=${c.row.id}&agentId=999999`)).toEqual([prompt('agentNotReached')]);
    expect(await step(`/webhooks/twilio/voice/requeue?callId=${c.row.id}`)).toEqual([prompt('transferHold')]);
    expect(await step(`/webhooks/twilio/voice/conference?callId=${c.row.id}&role=customer`)).toEqual([prompt('transferHold')]);
    expect(await step(`/webhooks/twilio/voice/missed?callId=${c.row.id}`)).toEqual([prompt('allBusy'), prompt('leaveMessage'), prompt('goodbye')]);
    expect(await step(`/webhooks/twilio/voice/dial-done?callId=${c.row.id}&agentId=${agentId}`, { DialCallSid: sid('CA'), DialCallStatus: 'completed', DialCallDuration: '30' })).toEqual([prompt('goodbye')]);
  });

  it('after hours and a number that takes no calls: recordings too', async () => {
    const night = await call('+989121112235', NIGHT);
    expect(plays(night.twiml)).toEqual([prompt('afterHours'), prompt('leaveMessage'), prompt('goodbye')]);
    const textOnly = await postTwilio(ctx.app, '/webhooks/twilio/voice', { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: '+989121112236', To: TEXT_ONLY, CallStatus: 'ringing' });
    expect(plays(parseTwiml(textOnly.body))).toEqual([prompt('notInService')]);
    for (const b of [night.body, textOnly.body]) expect(says(parseTwiml(b))).toEqual([]);
  });

  it('"connecting" and voicemail without a mailbox, as the builders make them', () => {
    const dial = dialAgentTwiml(ctx.config, 1, { id: 2 }, 'fa', null);
    expect(says(parseTwiml(dial.toString()))).toEqual([]);
    expect(plays(parseTwiml(dial.toString()))).toEqual(['/voice-prompts/fa/connecting.wav']);
    const noBox = voicemailTwiml(ctx.config, 1, 'fa', [], false);
    expect(says(parseTwiml(noBox.toString()))).toEqual([]);
    expect(plays(parseTwiml(noBox.toString()))).toEqual(['/voice-prompts/fa/noVoicemail.wav']);
  });

  it('a menu option whose label is a recording plays it, then only "press N" — the URL is never read out', async () => {
    const LABELLED = '+14155550604';
    const r = await ctx.app.inject({
      method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(),
      payload: { e164: LABELLED, queueId: support.id, ivr: { options: [{ digit: '2', queueId: billing.id, label: { en: 'https://cdn.example.test/billing-en.wav', fa: 'https://cdn.example.test/billing-fa.wav' } }] } },
    });
    expect(r.statusCode).toBe(201);
    const fa = await call('+989121112238', LABELLED);
    expect(plays(fa.twiml).slice(2)).toEqual(['https://cdn.example.test/billing-fa.wav', prompt('optionPress'), prompt('num-2'), prompt('optionEnd')]);
    expect(says(fa.twiml)).toEqual([]);
    const en = await call('+14155550693', LABELLED);
    expect(plays(en.twiml)).toEqual(['https://cdn.example.test/billing-en.wav']);
    expect(says(en.twiml).map((x) => x.text)).toEqual(['Thank you for calling. Your call is important to us.', 'Please choose from the following options.', 'Press 2.']);
  });

  it('an English caller still hears Twilio’s English voice for the same lines', async () => {
    const en = await call('+14155550690', MAIN);
    expect(says(en.twiml).map((s) => s.text)).toEqual(['Welcome to Acme support.']);
    expect(plays(en.twiml)).toEqual([]);
  });
});

describe('the recordings over HTTP', () => {
  it('serves every prompt of the default set as 8 kHz WAV, and nothing outside it', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/voice-prompts/fa/num-5.wav' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('audio/wav');
    expect(r.rawPayload.toString('latin1', 8, 12)).toBe('WAVE');
    expect(r.rawPayload.readUInt32LE(24)).toBe(8000);
    for (const bad of ['/voice-prompts/fa/nope.wav', '/voice-prompts/de/greeting.wav', '/voice-prompts/fa/..%2F..%2Fpackage.json', '/voice-prompts/fa/greeting.mp3']) {
      expect((await ctx.app.inject({ method: 'GET', url: bad })).statusCode).toBe(404);
    }
  });
});

describe('replacing a prompt per phone number (admin upload)', () => {
  const wav = (seconds: number) => silentWav(8000 * 2 * seconds);

  it('an uploaded Persian greeting is what the next caller hears; deleting it brings back the default', async () => {
    const id = (await q(`SELECT id FROM phone_numbers WHERE e164 = $1`, [MAIN]))[0].id;
    const file = wav(1);
    const up = await ctx.app.inject({ method: 'PUT', url: `/api/v1/admin/phone-numbers/${id}/prompts/fa/greeting`, headers: { ...auth(), 'content-type': 'audio/wav' }, payload: file });
    expect(up.statusCode).toBe(200);
    const url = up.json().custom.url as string;
    expect(url).toMatch(new RegExp(`^${PUB}/voice-prompts/numbers/${id}/fa/greeting\\?v=[0-9a-f]{16}$`));

    const caller = await call('+989121112240', MAIN);
    expect(plays(caller.twiml)).toEqual([url]);
    expect(says(caller.twiml)).toEqual([]);
    const served = await ctx.app.inject({ method: 'GET', url: url.slice(PUB.length) });
    expect(served.statusCode).toBe(200);
    expect(Buffer.compare(served.rawPayload, file)).toBe(0);

    const list = await ctx.app.inject({ method: 'GET', url: `/api/v1/admin/phone-numbers/${id}/prompts`, headers: auth() });
    const rows = list.json() as { key: string; language: string; custom: unknown }[];
    expect(rows.filter((r) => r.custom).map((r) => `${r.language}/${r.key}`)).toEqual(['fa/greeting']);
    expect(rows.find((r) => r.language === 'fa' && r.key === 'connecting')).toMatchObject({ custom: null, defaultUrl: `${PUB}/voice-prompts/fa/connecting.wav` });

    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/v1/admin/phone-numbers/${id}/prompts/fa/greeting`, headers: auth() })).statusCode).toBe(204);
    expect(plays((await call('+989121112241', MAIN)).twiml)).toEqual([prompt('greeting')]);
    expect((await ctx.app.inject({ method: 'GET', url: url.slice(PUB.length) })).statusCode).toBe(404);
    expect((await q(`SELECT action FROM audit_log WHERE entity = 'phone_number' AND entity_id = $1 AND action LIKE 'phone_number.prompt%' ORDER BY id`, [String(id)])).map((r) => r.action)).toEqual([
      'phone_number.prompt_upload', 'phone_number.prompt_delete',
    ]);
  });

  it('refuses what is not a WAV or MP3, an unknown prompt and an oversized file, with a reason', async () => {
    const id = (await q(`SELECT id FROM phone_numbers WHERE e164 = $1`, [MAIN]))[0].id;
    const put = (url: string, payload: Buffer, type = 'audio/wav') => ctx.app.inject({ method: 'PUT', url, headers: { ...auth(), 'content-type': type }, payload });
    const html = await put(`/api/v1/admin/phone-numbers/${id}/prompts/fa/greeting`, Buffer.from('<html><script>alert(1)</script></html>'));
    expect(html.statusCode).toBe(400);
    expect(html.json().message).toMatch(/neither WAV nor MP3/);
    expect((await put(`/api/v1/admin/phone-numbers/${id}/prompts/fa/num-5`, wav(1))).statusCode).toBe(400);
    expect((await put(`/api/v1/admin/phone-numbers/${id}/prompts/de/greeting`, wav(1))).statusCode).toBe(400);
    expect((await put(`/api/v1/admin/phone-numbers/999999/prompts/fa/greeting`, wav(1))).statusCode).toBe(404);
    expect((await put(`/api/v1/admin/phone-numbers/${id}/prompts/fa/greeting`, wav(140))).statusCode).toBe(413);
    expect((await q(`SELECT prompts FROM phone_numbers WHERE id = $1`, [id]))[0].prompts).toEqual({ fa: {} });
  });

  it('every line a number has its own recording of plays that recording, in English as in Persian (connecting, position, goodbye, after hours)', async () => {
    const id = (await q(`SELECT id FROM phone_numbers WHERE e164 = $1`, [MAIN]))[0].id;
    const night = (await q(`SELECT id FROM phone_numbers WHERE e164 = $1`, [NIGHT]))[0].id;
    const upload = async (n: number, lang: string, key: string) => {
      const r = await ctx.app.inject({ method: 'PUT', url: `/api/v1/admin/phone-numbers/${n}/prompts/${lang}/${key}`, headers: { ...auth(), 'content-type': 'audio/wav' }, payload: wav(1) });
      expect(r.statusCode).toBe(200);
      return r.json().custom.url as string;
    };
    for (const [lang, from] of [['en', '+14155550691'], ['fa', '+989121112242']] as const) {
      const mine = {
        connecting: await upload(id, lang, 'connecting'), positionNext: await upload(id, lang, 'positionNext'),
        goodbye: await upload(id, lang, 'goodbye'), afterHours: await upload(night, lang, 'afterHours'),
      };
      const c = await call(from, MAIN);
      const twiml = async (path: string, params: Record<string, string> = {}) => {
        const r = await postTwilio(ctx.app, path, { CallSid: c.row.call_sid, ...params });
        expect(says(parseTwiml(r.body)).filter((x) => x.attrs.language === 'fa-IR')).toEqual([]);
        return parseTwiml(r.body);
      };
      expect(plays(await twiml(`/webhooks/twilio/voice/wait?callId=${c.row.id}`, { QueuePosition: '1', QueueTime: '5' }))[0]).toBe(mine.positionNext);
      const connect = await twiml(`/webhooks/twilio/voice/connect?callId=${c.row.id}&agentId=${agentId}`);
      expect(plays(connect)).toEqual([mine.connecting]);
      expect(says(connect)).toEqual([]);
      const bye = await twiml(`/webhooks/twilio/voice/dial-done?callId=${c.row.id}&agentId=${agentId}`, { DialCallSid: sid('CA'), DialCallStatus: 'completed', DialCallDuration: '12' });
      expect(plays(bye)).toEqual([mine.goodbye]);
      expect(says(bye)).toEqual([]);
      // the after-hours line the admin typed is replaced by the recording they uploaded for it
      const closed = await call(from === '+14155550691' ? '+14155550692' : '+989121112243', NIGHT);
      expect(plays(closed.twiml)[0]).toBe(mine.afterHours);
      for (const url of Object.values(mine)) expect((await ctx.app.inject({ method: 'GET', url: url.slice(PUB.length) })).statusCode).toBe(200);
    }
  });
});
