import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, find, parseTwiml, postTwilio, sid, twilioEnv, waitFor } from '../helpers/twilio-signing.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { startTwilioWorker } from '../../workers/src/processors/twilio.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';

let ctx: TestContext;
let api: TwilioApiServer;
let token: string;
const OUR_NUMBER = '+14155550100';
const closers: (() => Promise<void>)[] = [];
const blocking = createRedis(REDIS_URL, 'worker');
const producer = createRedis(REDIS_URL, 'producer');

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(twilioEnv(api.url));
  const log = pino({ level: 'silent' });
  closers.push(startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, prefix: ctx.config.queuePrefix }));
  closers.push(startTwilioWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, producer, prefix: ctx.config.queuePrefix }));
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
  const n = await ctx.app.inject({
    method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` },
    payload: { e164: OUR_NUMBER, friendlyName: 'Support line' },
  });
  expect(n.statusCode).toBe(201);
});
afterAll(async () => {
  for (const c of closers) await c();
  blocking.disconnect();
  producer.disconnect();
  await ctx.close();
  await api.close();
});

const sms = (from: string, body: string, extra: Record<string, string> = {}) => ({
  MessageSid: sid('SM'), SmsSid: '', AccountSid: TWILIO_TEST.accountSid, From: from, To: OUR_NUMBER, Body: body, NumMedia: '0', ...extra,
});
const count = async (sql: string, params: unknown[] = []) => Number((await ctx.db.pool.query(sql, params)).rows[0].n);
const reply = (caseId: number, text: string) =>
  ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text } });
const interaction = async (id: number) => (await ctx.db.pool.query(`SELECT * FROM interactions WHERE id = $1`, [id])).rows[0];

describe('inbound SMS webhook signature', () => {
  it('accepts a correctly signed request even though the hub sits behind a proxy (PUBLIC_URL), and answers with empty TwiML', async () => {
    const p = sms('+14155550111', 'hello');
    const r = await postTwilio(ctx.app, '/webhooks/twilio/sms', p);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/xml/);
    const twiml = parseTwiml(r.body);
    expect(twiml.children).toHaveLength(0);
  });

  it('rejects a wrong signature, a signature for another URL, tampered parameters and a missing signature with 403, storing nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM raw_events`);
    const p = sms('+14155550112', 'pay me');
    const wrongToken = await postTwilio(ctx.app, '/webhooks/twilio/sms', p, { token: 'not-the-auth-token' });
    const wrongUrl = await postTwilio(ctx.app, '/webhooks/twilio/sms', p, { signUrl: 'https://attacker.example/webhooks/twilio/sms' });
    const tampered = await postTwilio(ctx.app, '/webhooks/twilio/sms', { ...p, Body: 'pay me 1000' }, { signParams: p });
    const otherPath = await postTwilio(ctx.app, '/webhooks/twilio/sms', p, { signUrl: `${TWILIO_TEST.publicUrl}/webhooks/twilio/status` });
    const missing = await postTwilio(ctx.app, '/webhooks/twilio/sms', p, { signature: null });
    for (const r of [wrongToken, wrongUrl, tampered, otherPath, missing]) {
      expect(r.statusCode).toBe(403);
      expect(r.json().message).toMatch(/X-Twilio-Signature/);
    }
    expect(await count(`SELECT count(*) AS n FROM raw_events`)).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM interactions WHERE text LIKE 'pay me%'`)).toBe(0);
  });
});

describe('inbound SMS', () => {
  it('creates the customer by E.164 number, threads messages into the open SMS case, queues it, and ignores a replayed MessageSid', async () => {
    const first = sms('+1 (415) 555-0123', 'My order has not arrived');
    const r1 = await postTwilio(ctx.app, '/webhooks/twilio/sms', first);
    expect(r1.statusCode).toBe(200);
    const i1 = (await ctx.db.pool.query(`SELECT * FROM interactions WHERE provider = 'twilio' AND provider_message_id = $1`, [first.MessageSid])).rows[0];
    expect(i1).toMatchObject({ channel: 'sms', direction: 'inbound', from_address: '+14155550123', to_address: OUR_NUMBER, text: 'My order has not arrived' });
    const c = (await ctx.db.pool.query(`SELECT * FROM cases WHERE id = $1`, [i1.case_id])).rows[0];
    expect(c).toMatchObject({ channel: 'sms', routing_state: 'waiting' });
    const ident = (await ctx.db.pool.query(`SELECT * FROM customer_identities WHERE value = '+14155550123'`)).rows[0];
    expect(ident).toMatchObject({ kind: 'phone', customer_id: i1.customer_id });

    const replay = await postTwilio(ctx.app, '/webhooks/twilio/sms', first);
    expect(replay.statusCode).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM interactions WHERE provider_message_id = $1`, [first.MessageSid])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM raw_events WHERE provider_message_id = $1`, [first.MessageSid])).toBe(1);

    const second = sms('+14155550123', 'Order 5521');
    await postTwilio(ctx.app, '/webhooks/twilio/sms', second);
    const i2 = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [second.MessageSid])).rows[0];
    expect(i2.case_id).toBe(i1.case_id);
  });

  it('refuses a sender that is not a phone number with a clear 400, storing nothing', async () => {
    const p = sms('ACME', 'Your code is 1234');
    const r = await postTwilio(ctx.app, '/webhooks/twilio/sms', p);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/From: "ACME" is not a valid phone number/);
    expect(await count(`SELECT count(*) AS n FROM raw_events WHERE provider_message_id = $1`, [p.MessageSid])).toBe(0);
  });

  it('stores MMS media as attachments of the message (downloaded by the worker after the webhook answered)', async () => {
    const msgSid = sid('MM');
    const mediaPath = `/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Messages/${msgSid}/Media/${sid('ME')}`;
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    api.serve(mediaPath, 'image/png', png);
    const p = sms('+14155550124', 'photo of the damage', { MessageSid: msgSid, NumMedia: '1', MediaUrl0: `https://api.twilio.com${mediaPath}`, MediaContentType0: 'image/png' });
    const r = await postTwilio(ctx.app, '/webhooks/twilio/sms', p);
    expect(r.statusCode).toBe(200);
    const i = (await ctx.db.pool.query(`SELECT id FROM interactions WHERE provider_message_id = $1`, [msgSid])).rows[0];
    const att = await waitFor(async () => (await ctx.db.pool.query(`SELECT * FROM attachments WHERE interaction_id = $1`, [i.id])).rows[0], 8000, 'media attachment');
    expect(att).toMatchObject({ content_type: 'image/png', size_bytes: png.length });
    expect(att.filename).toMatch(/\.png$/);
    expect(Buffer.compare(await ctx.app.store.get(att.storage_key), png)).toBe(0);
    // the media request was authenticated with the account credentials
    const got = api.find(new RegExp(`^GET ${mediaPath}$`));
    expect(got[0]!.auth).toEqual({ user: TWILIO_TEST.accountSid, pass: TWILIO_TEST.authToken });
    await waitFor(async () => (await interaction(i.id)).metadata.mediaPending === undefined, 8000, 'media marked done');
  });
});

describe('outbound SMS', () => {
  async function caseFor(phone: string): Promise<number> {
    const p = sms(phone, 'hi there');
    await postTwilio(ctx.app, '/webhooks/twilio/sms', p);
    return (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [p.MessageSid])).rows[0].case_id;
  }

  it('sends the agent reply through the Twilio Messages API from the number the customer wrote to, and status callbacks move it queued → sent → delivered', async () => {
    const caseId = await caseFor('+14155550130');
    const r = await reply(caseId, 'Your parcel ships today.');
    expect(r.statusCode).toBe(201);
    const id = r.json().interactionId;
    const sent = await waitFor(async () => {
      const i = await interaction(id);
      return i.provider_message_id && i.delivery_status === 'queued' && i;
    }, 8000, 'message handed to Twilio');
    const req = api.find(/^POST .*\/Messages\.json$/).find((x) => x.form.To === '+14155550130')!;
    expect(req.form).toMatchObject({ To: '+14155550130', From: OUR_NUMBER, Body: 'Your parcel ships today.', StatusCallback: `${TWILIO_TEST.publicUrl}/webhooks/twilio/status` });
    expect(req.auth).toEqual({ user: TWILIO_TEST.accountSid, pass: TWILIO_TEST.authToken });

    const status = (s: string, extra: Record<string, string> = {}) =>
      postTwilio(ctx.app, '/webhooks/twilio/status', { MessageSid: sent.provider_message_id, MessageStatus: s, AccountSid: TWILIO_TEST.accountSid, ...extra });
    expect((await status('sent')).statusCode).toBe(204);
    expect((await interaction(id)).delivery_status).toBe('sent');
    await status('delivered');
    expect((await interaction(id)).delivery_status).toBe('delivered');
    // a late, out-of-order "sent" does not move it back
    await postTwilio(ctx.app, '/webhooks/twilio/status', { MessageSid: sent.provider_message_id, MessageStatus: 'sending', AccountSid: TWILIO_TEST.accountSid });
    expect((await interaction(id)).delivery_status).toBe('delivered');
    // and a forged callback is refused
    expect((await postTwilio(ctx.app, '/webhooks/twilio/status', { MessageSid: sent.provider_message_id, MessageStatus: 'failed' }, { token: 'x' })).statusCode).toBe(403);
    expect((await interaction(id)).delivery_status).toBe('delivered');
  });

  it('sends attachments as MMS through signed, expiring links Twilio fetches from the hub', async () => {
    const caseId = await caseFor('+14155550135');
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    const r = await ctx.app.inject({
      method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` },
      payload: { text: 'Here is the label', attachments: [{ filename: 'label.jpg', contentType: 'image/jpeg', contentBase64: jpeg.toString('base64') }] },
    });
    expect(r.statusCode).toBe(201);
    await waitFor(async () => (await interaction(r.json().interactionId)).provider_message_id);
    const req = api.find(/Messages\.json$/).find((x) => x.form.To === '+14155550135')!;
    expect(req.form.Body).toBe('Here is the label');
    const link = new URL(String(req.form.MediaUrl));
    expect(link.origin).toBe(TWILIO_TEST.publicUrl);
    const got = await ctx.app.inject({ method: 'GET', url: link.pathname + link.search });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(got.rawPayload, jpeg)).toBe(0);
    const forged = new URLSearchParams(link.search);
    forged.set('exp', String(Number(forged.get('exp')) + 3600));
    expect((await ctx.app.inject({ method: 'GET', url: `${link.pathname}?${forged}` })).statusCode).toBe(403);
    const { mediaLink } = await import('../../server/src/channels/twilio/media-links.js');
    const key = Buffer.from(link.pathname.split('/').pop()!, 'base64url').toString();
    const old = new URL(mediaLink(ctx.config, key, Date.now() - 2 * 24 * 3600 * 1000));
    expect((await ctx.app.inject({ method: 'GET', url: old.pathname + old.search })).statusCode).toBe(403);
  });

  it('records a carrier failure with its error code from the status callback', async () => {
    const caseId = await caseFor('+14155550131');
    const id = (await reply(caseId, 'Can you confirm?')).json().interactionId;
    const i = await waitFor(async () => {
      const x = await interaction(id);
      return x.provider_message_id && x.delivery_status === 'queued' && x;
    });
    await postTwilio(ctx.app, '/webhooks/twilio/status', { MessageSid: i.provider_message_id, MessageStatus: 'undelivered', ErrorCode: '30005', AccountSid: TWILIO_TEST.accountSid });
    const after = await interaction(id);
    expect(after.delivery_status).toBe('failed');
    expect(after.delivery_error).toMatch(/30005/);
    expect(after.metadata.errorCode).toBe('30005');
  });

  it('retries on 429 and 500 from Twilio, but not on 400 (recorded as failed with Twilio’s reason)', async () => {
    const caseA = await caseFor('+14155550132');
    const caseB = await caseFor('+14155550133');
    const caseC = await caseFor('+14155550134');
    const before = api.find(/Messages\.json$/).length;
    api.failNext(/Messages\.json$/, { status: 429, code: 20429, message: 'Too Many Requests' }, { status: 500, message: 'Internal error' }, { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." });
    // sequential so each scripted answer meets the message we intend
    const a = (await reply(caseA, 'A')).json().interactionId;
    await waitFor(async () => api.find(/Messages\.json$/).length >= before + 1);
    const b = (await reply(caseB, 'B')).json().interactionId;
    await waitFor(async () => api.find(/Messages\.json$/).length >= before + 2);
    const c = (await reply(caseC, 'C')).json().interactionId;
    const failed = await waitFor(async () => {
      const x = await interaction(c);
      return x.delivery_status === 'failed' && x;
    }, 8000, 'C failed');
    expect(failed.delivery_error).toMatch(/21211/);
    for (const id of [a, b]) {
      const x = await waitFor(async () => {
        const y = await interaction(id);
        return y.provider_message_id && y.delivery_status !== 'sending' && y;
      }, 15000, 'retried delivery');
      expect(x.delivery_status).toBe('queued');
    }
    const toA = api.find(/Messages\.json$/).filter((r) => r.form.To === '+14155550132');
    const toB = api.find(/Messages\.json$/).filter((r) => r.form.To === '+14155550133');
    const toC = api.find(/Messages\.json$/).filter((r) => r.form.To === '+14155550134');
    expect(toA).toHaveLength(2); // 429, then success
    expect(toB).toHaveLength(2); // 500, then success
    expect(toC).toHaveLength(1); // 400: never retried
  }, 30_000);
});

describe('opt-out', () => {
  it('STOP marks the number opted out and blocks replies with a clear reason; START re-enables', async () => {
    const phone = '+14155550140';
    const first = sms(phone, 'hello');
    await postTwilio(ctx.app, '/webhooks/twilio/sms', first);
    const caseId = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [first.MessageSid])).rows[0].case_id;
    const stop = await postTwilio(ctx.app, '/webhooks/twilio/sms', sms(phone, 'STOP', { OptOutType: 'STOP' }));
    expect(parseTwiml(stop.body).children).toHaveLength(0); // Twilio itself confirms the standard keyword
    const ident = (await ctx.db.pool.query(`SELECT opted_out_at FROM customer_identities WHERE value = $1`, [phone])).rows[0];
    expect(ident.opted_out_at).not.toBeNull();

    const before = api.find(/Messages\.json$/).length;
    // the agent is told at once, in the composer
    const r = await reply(caseId, 'Are you still there?');
    expect(r.statusCode).toBe(422);
    expect(r.json().message).toMatch(/opted out of SMS.*START/);
    expect(api.find(/Messages\.json$/).length).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM interactions WHERE case_id = $1 AND direction = 'outbound'`, [caseId])).toBe(0);

    await postTwilio(ctx.app, '/webhooks/twilio/sms', sms(phone, 'start'));
    expect((await ctx.db.pool.query(`SELECT opted_out_at FROM customer_identities WHERE value = $1`, [phone])).rows[0].opted_out_at).toBeNull();
    const ok = (await reply(caseId, 'Welcome back')).json().interactionId;
    await waitFor(async () => (await interaction(ok)).provider_message_id);
  });

  it('a reply queued just before the customer opted out is blocked at delivery with the same reason', async () => {
    const phone = '+14155550141';
    const first = sms(phone, 'hello');
    await postTwilio(ctx.app, '/webhooks/twilio/sms', first);
    const caseId = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [first.MessageSid])).rows[0].case_id;
    const before = api.find(/Messages\.json$/).length;
    // the STOP arrives between the agent pressing send and the worker delivering
    await ctx.db.pool.query(`UPDATE customer_identities SET opted_out_at = now() WHERE value = $1`, [phone]);
    const { sendSms } = await import('../../server/src/channels/sms/send.js');
    const ins = await ctx.db.pool.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, to_address, text, delivery_status)
       SELECT id, customer_id, 'sms', 'outbound', 'message', $2, 'late reply', 'queued' FROM cases WHERE id = $1 RETURNING id, customer_id`,
      [caseId, phone],
    );
    await expect(
      sendSms({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }) }, {
        interactionId: ins.rows[0].id, caseId, caseNumber: 1, customerId: ins.rows[0].customer_id, channel: 'sms', to: phone,
        subject: null, text: 'late reply', html: null, metadata: {}, attachments: [],
      }),
    ).rejects.toThrow(/opted out of SMS/);
    expect(api.find(/Messages\.json$/).length).toBe(before);
  });

  it('understands Persian opt-out and opt-in keywords and confirms them in Persian', async () => {
    const phone = '+989121234567';
    const r = await postTwilio(ctx.app, '/webhooks/twilio/sms', sms(phone, ' لغو '));
    expect(r.statusCode).toBe(200);
    const msg = find(parseTwiml(r.body), 'Message');
    expect(msg.text).toMatch(/اشتراک شما لغو شد/);
    expect((await ctx.db.pool.query(`SELECT opted_out_at FROM customer_identities WHERE value = $1`, [phone])).rows[0].opted_out_at).not.toBeNull();
    // the keyword is on the customer's record but does not wait for an agent
    const c = (await ctx.db.pool.query(`SELECT c.routing_state FROM interactions i JOIN cases c ON c.id = i.case_id WHERE i.from_address = $1`, [phone])).rows[0];
    expect(c.routing_state).toBe('none');
    const back = await postTwilio(ctx.app, '/webhooks/twilio/sms', sms(phone, 'شروع'));
    expect(find(parseTwiml(back.body), 'Message').text).toMatch(/عضویت شما دوباره فعال شد/);
    expect((await ctx.db.pool.query(`SELECT opted_out_at FROM customer_identities WHERE value = $1`, [phone])).rows[0].opted_out_at).toBeNull();
  });
});
