import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startKavenegarApiServer, type KavenegarApiServer } from '../helpers/kavenegar-api-server.js';
import { waitFor } from '../helpers/wait.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';
import { deliverInteraction } from '../../server/src/outbound/deliver.js';
import { handleNotification } from '../../server/src/customer-messages/handle.js';
import { pollKavenegarStatuses } from '../../server/src/channels/sms/providers/kavenegar/send.js';

// SMS through Kavenegar, against a stand-in that speaks its REST API; the hub gets Kavenegar's callbacks as Kavenegar sends them.
const API_KEY = '7A6B2F3C4D5E6F70-kavenegar-test';
const SECRET = 'kv-secret-0123456789abcdefABCDEF';
const LINE = '10004346';
const OUR_NUMBER = '+982188776655';
const NIGHT_LINE = '10004347';
const log = pino({ level: 'silent' });
let ctx: TestContext;
let kv: KavenegarApiServer;
let token: string;
const blocking = createRedis(REDIS_URL, 'worker');
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  kv = await startKavenegarApiServer({ apiKey: API_KEY, lines: [LINE, NIGHT_LINE] });
  ctx = await createTestContext({
    KAVENEGAR_API_KEY: API_KEY,
    KAVENEGAR_API_BASE_URL: kv.url,
    KAVENEGAR_WEBHOOK_SECRET: SECRET,
    PUBLIC_URL: 'https://hub.example.test',
    OUTBOUND_COUNTRIES: 'IR',
    OUTBOUND_ATTEMPT_LEASE_MS: '500',
    PORTAL_SMS_FROM: OUR_NUMBER,
  });
  stopWorker = startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, prefix: ctx.config.queuePrefix });
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
  const n = await ctx.app.inject({
    method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` },
    payload: { e164: OUR_NUMBER, friendlyName: 'خط پیامک', smsProvider: 'kavenegar', smsSender: LINE, voiceEnabled: false, defaultLanguage: 'fa' },
  });
  expect(n.statusCode).toBe(201);
  expect(n.json()).toMatchObject({ smsProvider: 'kavenegar', smsSender: LINE });
  // a second line, closed all week
  const night = await ctx.app.inject({
    method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` },
    payload: { e164: '+982188776656', smsProvider: 'kavenegar', smsSender: NIGHT_LINE, voiceEnabled: false, businessHours: { timezone: 'Asia/Tehran', weekly: {} }, afterHoursMessage: { fa: 'تعطیل هستیم؛ فردا پاسخ می‌دهیم.' } },
  });
  expect(night.statusCode).toBe(201);
  // a line is one number's: the same line twice is refused
  const dup = await ctx.app.inject({
    method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` },
    payload: { e164: '+982188776657', smsProvider: 'kavenegar', smsSender: LINE },
  });
  expect(dup.statusCode).toBe(409);
});
afterAll(async () => {
  await stopWorker?.();
  blocking.disconnect();
  await ctx?.close();
  await kv?.close();
});

let seq = 500_000_000;
/** Kavenegar forwarding an inbound message to the receive URL (form POST: messageid, from, to, message). */
const inbound = (from: string, message: string, secret = SECRET) =>
  ctx.app.inject({
    method: 'POST', url: `/webhooks/kavenegar/${secret}/receive`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ messageid: String(++seq), from, to: LINE, message }).toString(),
  });
const delivery = (messageid: string, status: number, secret = SECRET) =>
  ctx.app.inject({
    method: 'POST', url: `/webhooks/kavenegar/${secret}/delivery`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ messageid, status: String(status) }).toString(),
  });
const reply = async (caseId: number, text: string) => {
  const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text } });
  expect(r.statusCode).toBe(201);
  return r.json().interactionId as number;
};
const interaction = async (id: number) => (await ctx.db.pool.query(`SELECT * FROM interactions WHERE id = $1`, [id])).rows[0];
const count = async (sql: string, params: unknown[] = []) => Number((await ctx.db.pool.query(sql, params)).rows[0].n);

describe('SMS through Kavenegar', () => {
  it('inbound SMS → case → agent reply sent from the business line through sms/send → delivered by callback', async () => {
    const r = await inbound('09121234567', 'سلام، سفارش من کی می‌رسد؟');
    expect(r.statusCode).toBe(200);
    const msg = (await ctx.db.pool.query(`SELECT * FROM interactions WHERE provider = 'kavenegar' AND provider_message_id = $1`, [String(seq)])).rows[0];
    expect(msg).toMatchObject({ channel: 'sms', direction: 'inbound', from_address: '+989121234567', to_address: OUR_NUMBER });
    const c = (await ctx.db.pool.query(`SELECT c.*, cu.language FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`, [msg.case_id])).rows[0];
    expect(c).toMatchObject({ channel: 'sms', routing_state: 'waiting', language: 'fa' });
    // a replay of the same messageid is the same message
    await ctx.app.inject({
      method: 'POST', url: `/webhooks/kavenegar/${SECRET}/receive`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ messageid: String(seq), from: '09121234567', to: LINE, message: 'سلام، سفارش من کی می‌رسد؟' }).toString(),
    });
    expect(await count(`SELECT count(*) AS n FROM interactions WHERE case_id = $1`, [msg.case_id])).toBe(1);

    const id = await reply(msg.case_id, 'سلام، سفارش شما فردا می‌رسد.');
    // the worker records the attempt, then the interaction's status
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM delivery_attempts WHERE interaction_id = $1 AND outcome = 'accepted'`, [id])) === 1, 15_000, 'the reply to reach Kavenegar');
    const sent = await waitFor(async () => ((await interaction(id)).delivery_status === 'queued' ? interaction(id) : null), 5_000, 'the status to be recorded');
    const calls = kv.find('sms/send');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toMatchObject({ sender: LINE, receptor: '09121234567', message: 'سلام، سفارش شما فردا می‌رسد.' });
    const attempt = (await ctx.db.pool.query(`SELECT id, outcome FROM delivery_attempts WHERE interaction_id = $1`, [id])).rows;
    // the attempt's id is the localid Kavenegar can be asked about later
    expect(attempt).toEqual([{ id: attempt[0].id, outcome: 'accepted' }]);
    expect(calls[0]!.params.localid).toBe(String(attempt[0].id));
    expect(sent).toMatchObject({ provider: 'kavenegar', provider_message_id: String(kv.messages[0]!.messageid), delivery_status: 'queued', from_address: OUR_NUMBER });

    // Kavenegar's delivery report: handed to the operator, then delivered; a late "sent" does not move it back
    expect((await delivery(sent.provider_message_id, 4)).statusCode).toBe(200);
    expect((await interaction(id)).delivery_status).toBe('sent');
    await delivery(sent.provider_message_id, 10);
    await delivery(sent.provider_message_id, 4);
    expect((await interaction(id)).delivery_status).toBe('delivered');
  });

  it('a forged inbound message or delivery report (wrong secret in the URL) gets 403 and stores nothing', async () => {
    const before = await count(`SELECT count(*) AS n FROM raw_events`);
    const forged = await inbound('09121230000', 'please refund 1000', 'kv-secret-0123456789abcdefABCDEX');
    expect(forged.statusCode).toBe(403);
    const short = await inbound('09121230000', 'please refund 1000', 'x');
    expect(short.statusCode).toBe(403);
    const get = await ctx.app.inject({ method: 'GET', url: `/webhooks/kavenegar/wrong/receive?messageid=1&from=09121230000&to=${LINE}&message=hi` });
    expect(get.statusCode).toBe(403);
    expect((await delivery('8792343', 11, 'wrong-secret-wrong-secret-wrong')).statusCode).toBe(403);
    expect(await count(`SELECT count(*) AS n FROM raw_events`)).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM interactions WHERE text LIKE 'please refund%'`)).toBe(0);
    // the genuine secret works with GET too (Kavenegar's panel can call either way)
    const ok = await ctx.app.inject({ method: 'GET', url: `/webhooks/kavenegar/${SECRET}/receive?messageid=${++seq}&from=09121230000&to=${LINE}&message=${encodeURIComponent('hi there')}` });
    expect(ok.statusCode).toBe(200);
    expect(await count(`SELECT count(*) AS n FROM interactions WHERE text = 'hi there' AND provider = 'kavenegar'`)).toBe(1);
  });

  it('Persian opt-out and opt-in keywords work on a Kavenegar line: confirmed through Kavenegar in Persian, replies blocked meanwhile', async () => {
    const phone = '09351112233';
    expect((await inbound(phone, ' لغو ')).statusCode).toBe(200);
    expect((await ctx.db.pool.query(`SELECT opted_out_at FROM customer_identities WHERE value = '+989351112233'`)).rows[0].opted_out_at).not.toBeNull();
    const confirm = kv.find('sms/send').filter((r) => r.params.receptor === phone);
    expect(confirm).toHaveLength(1);
    expect(confirm[0]!.params).toMatchObject({ sender: LINE });
    expect(confirm[0]!.params.message).toMatch(/اشتراک شما لغو شد/);
    const caseId = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1 AND provider = 'kavenegar'`, [String(seq)])).rows[0].case_id;
    expect((await ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [caseId])).rows[0].routing_state).toBe('none');
    const blocked = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'are you sure?' } });
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().message).toMatch(/opted out/);

    await inbound(phone, 'شروع');
    expect((await ctx.db.pool.query(`SELECT opted_out_at FROM customer_identities WHERE value = '+989351112233'`)).rows[0].opted_out_at).toBeNull();
    expect(kv.find('sms/send').filter((r) => r.params.receptor === phone).map((r) => r.params.message).pop()).toMatch(/عضویت شما دوباره فعال شد/);
  });

  it('Kavenegar took the message but its answer was lost: the retry finds it by localid (sms/statuslocalmessageid) and does not send again', async () => {
    await inbound('09127778899', 'hello');
    const caseId = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1 AND provider = 'kavenegar'`, [String(seq)])).rows[0].case_id;
    await stopWorker();
    const id = await reply(caseId, 'We are on it');
    kv.dropAnswers(1);
    await expect(deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: false })).rejects.toThrow(/Kavenegar unreachable/);
    expect(kv.messages.filter((m) => m.message === 'We are on it')).toHaveLength(1);
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: false });
    expect(kv.messages.filter((m) => m.message === 'We are on it')).toHaveLength(1);
    const lookups = kv.find('sms/statuslocalmessageid');
    expect(lookups.length).toBeGreaterThan(0);
    const attempts = (await ctx.db.pool.query(`SELECT id, outcome, provider_message_id FROM delivery_attempts WHERE interaction_id = $1 ORDER BY attempt`, [id])).rows;
    expect(attempts.map((a) => a.outcome)).toEqual(['accepted']);
    expect(lookups.at(-1)!.params.localid).toBe(String(attempts[0].id));
    const m = kv.messages.find((x) => x.message === 'We are on it')!;
    expect(await interaction(id)).toMatchObject({ provider: 'kavenegar', provider_message_id: String(m.messageid) });

    // a request that never reached Kavenegar (its lookup answers 100: unknown localid) is sent
    const id2 = await reply(caseId, 'One more thing');
    kv.failNext('sms/send', 409);
    await expect(deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id2, { finalAttempt: false })).rejects.toThrow(/409/);
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id2, { finalAttempt: false });
    expect(kv.messages.filter((x) => x.message === 'One more thing')).toHaveLength(1);
    expect((await interaction(id2)).provider).toBe('kavenegar');
    stopWorker = startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, prefix: ctx.config.queuePrefix });
  });

  it('delivery reports that never came are polled from sms/status', async () => {
    const sent = (await ctx.db.pool.query(`SELECT id, provider_message_id FROM interactions WHERE provider = 'kavenegar' AND direction = 'outbound' AND delivery_status = 'queued' AND text = 'One more thing'`)).rows[0];
    kv.setStatus(Number(sent.provider_message_id), 11);
    expect(await pollKavenegarStatuses({ db: ctx.db.pool, config: ctx.config, log })).toBeGreaterThan(0);
    expect(await interaction(sent.id)).toMatchObject({ delivery_status: 'failed', delivery_error: expect.stringMatching(/not delivered/) });
  });

  it('a portal sign-in code goes out from the Kavenegar line (PORTAL_SMS_FROM is that number), once', async () => {
    const deps = { db: ctx.db.pool, config: ctx.config, log };
    await handleNotification(deps, { kind: 'sms-code', to: '+989120001122', code: '482913', language: 'fa' }, 'kv-sms-code-1');
    await handleNotification(deps, { kind: 'sms-code', to: '+989120001122', code: '482913', language: 'fa' }, 'kv-sms-code-1');
    const sent = kv.find('sms/send').filter((r) => r.params.message?.includes('482913'));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.params).toMatchObject({ sender: LINE, receptor: '09120001122' });
  });

  it('outside business hours the customer gets one answer through Kavenegar from the line they wrote to, not one per message', async () => {
    const post = (message: string) =>
      ctx.app.inject({
        method: 'POST', url: `/webhooks/kavenegar/${SECRET}/receive`, headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ messageid: String(++seq), from: '09124443322', to: NIGHT_LINE, message }).toString(),
      });
    expect((await post('سلام')).statusCode).toBe(200);
    expect((await post('کسی هست؟')).statusCode).toBe(200);
    const answers = kv.find('sms/send').filter((r) => r.params.receptor === '09124443322');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.params).toMatchObject({ sender: NIGHT_LINE, message: 'تعطیل هستیم؛ فردا پاسخ می‌دهیم.' });
  });

  it('an attachment cannot go through a text-only gateway: the reply fails with the reason', async () => {
    await inbound('09125556677', 'hi');
    const caseId = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1 AND provider = 'kavenegar'`, [String(seq)])).rows[0].case_id;
    const ins = await ctx.db.pool.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, to_address, text, delivery_status)
       SELECT id, customer_id, 'sms', 'outbound', 'message', '+989125556677', 'photo', 'queued' FROM cases WHERE id = $1 RETURNING id`,
      [caseId],
    );
    await ctx.db.pool.query(
      `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key) VALUES ($1, 'a.png', 'image/png', 1, 'x', 'k')`,
      [ins.rows[0].id],
    );
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, ins.rows[0].id, { finalAttempt: false });
    expect(await interaction(ins.rows[0].id)).toMatchObject({ delivery_status: 'failed', delivery_error: expect.stringMatching(/Kavenegar, which cannot carry attachments/) });
  });
});
