import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, findAll, parseTwiml, postTwilio, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { AFTER_HOURS_SMS, closedSince } from '../../server/src/customer-messages/after-hours.js';

// Business hours set in Admin → Business hours close the chat widget and answer SMS after hours.
let ctx: TestContext;
let api: TwilioApiServer;
let token: string;
const OUR_NUMBER = '+14155550100';

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(twilioEnv(api.url));
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
  const n = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` }, payload: { e164: OUR_NUMBER, friendlyName: 'Support' } });
  expect(n.statusCode).toBe(201);
});
afterAll(async () => {
  await ctx?.close();
  await api?.close();
});

const text = (from: string, body: string) => postTwilio(ctx.app, '/webhooks/twilio/sms', { MessageSid: sid('SM'), AccountSid: TWILIO_TEST.accountSid, From: from, To: OUR_NUMBER, Body: body, NumMedia: '0' });
const messagesIn = (xml: string) => findAll(parseTwiml(xml), 'Message').map((m) => m.text);
const setHours = (body: object) => ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/business-hours', headers: { authorization: `Bearer ${token}` }, payload: body });
const chatStatus = async () => (await ctx.app.inject({ method: 'GET', url: '/widget/api/status' })).json();

describe('after hours', () => {
  it('the closure an after-hours message belongs to starts when the schedule last closed', () => {
    const hours = { timezone: 'UTC', weekly: { mon: [['09:00', '17:00']] as [string, string][], tue: [['09:00', '17:00']] as [string, string][] } };
    expect(closedSince(hours, new Date('2026-11-30T20:10:00Z')).toISOString()).toBe('2026-11-30T17:00:00.000Z'); // Monday evening
    expect(closedSince(hours, new Date('2026-12-01T08:50:00Z')).toISOString()).toBe('2026-11-30T17:00:00.000Z'); // the same night
    expect(closedSince(hours, new Date('2026-12-01T18:00:00Z')).toISOString()).toBe('2026-12-01T17:00:00.000Z'); // the next closure
    // a line that is never open is one closure: messages either side of a quarter hour (or a month apart) share it
    const never = { timezone: 'Asia/Tehran', weekly: {} };
    const before = closedSince(never, new Date('2026-11-30T12:59:59Z'));
    expect(closedSince(never, new Date('2026-11-30T13:00:01Z'))).toEqual(before);
    expect(closedSince(never, new Date('2027-01-30T13:00:01Z'))).toEqual(before);
  });

  it('while open: chat is not closed and SMS gets no auto-reply', async () => {
    expect((await chatStatus()).reason).not.toBe('closed');
    const r = await text('+14155550201', 'hello');
    expect(r.statusCode).toBe(200);
    expect(messagesIn(r.body)).toEqual([]);
  });

  it('closed (a holiday today): the widget says closed, and each SMS conversation gets one after-hours reply per closure in its language', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const allWeek = Object.fromEntries(['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['00:00', '23:59']]]));
    expect((await setHours({ queueId: null, timeZone: 'UTC', weekly: allWeek, holidays: [{ date: today, name: 'Closed today' }] })).statusCode).toBe(200);

    expect(await chatStatus()).toMatchObject({ online: false, reason: 'closed' });

    const first = await text('+14155550202', 'is anyone there?');
    expect(messagesIn(first.body)).toEqual([AFTER_HOURS_SMS.en]);
    const second = await text('+14155550202', 'hello?');
    expect(messagesIn(second.body)).toEqual([]);
    // another customer's conversation gets its own, in Persian when they write Persian
    const persian = await text('+14155550203', 'سلام، کسی هست؟');
    expect(messagesIn(persian.body)).toEqual([AFTER_HOURS_SMS.fa]);
    // the messages themselves reach the case as usual
    const n = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions i JOIN customer_identities ci ON ci.customer_id = i.customer_id WHERE ci.value = '+14155550202'`);
    expect(n.rows[0].n).toBe(2);
  });
});
