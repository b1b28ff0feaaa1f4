import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, postTwilio, sid, twilioEnv, waitFor } from '../helpers/twilio-signing.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';
import { deliverInteraction } from '../../server/src/outbound/deliver.js';
import { WAITING_OUTBOUND, sweepQueuedOutbound } from '../../server/src/outbound/sweep.js';
import { handleNotification } from '../../server/src/customer-messages/handle.js';

// Outbound SMS against the Twilio REST stand-in, counting what reaches "Twilio".
let ctx: TestContext;
let api: TwilioApiServer;
let token: string;
const OUR_NUMBER = '+14155550100';
const log = pino({ level: 'silent' });
const blocking = createRedis(REDIS_URL, 'worker');
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(twilioEnv(api.url, { OUTBOUND_ATTEMPT_LEASE_MS: '500', PORTAL_SMS_FROM: OUR_NUMBER }));
  stopWorker = startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, prefix: ctx.config.queuePrefix });
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
  await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` }, payload: { e164: OUR_NUMBER, friendlyName: 'Support' } });
});
afterAll(async () => {
  await stopWorker?.();
  blocking.disconnect();
  await ctx?.close();
  await api?.close();
});

async function smsCase(from: string): Promise<number> {
  const MessageSid = sid('SM');
  await postTwilio(ctx.app, '/webhooks/twilio/sms', { MessageSid, AccountSid: TWILIO_TEST.accountSid, From: from, To: OUR_NUMBER, Body: 'hello', NumMedia: '0' });
  return (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [MessageSid])).rows[0].case_id;
}
const reply = async (caseId: number, text: string) =>
  (await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text } })).json().interactionId as number;
const atTwilio = (body: string) => api.messages.filter((m) => m.body === body).length;
const attempts = async (id: number) =>
  (await ctx.db.pool.query(`SELECT outcome, provider_code, error, provider_message_id FROM delivery_attempts WHERE interaction_id = $1 ORDER BY attempt`, [id])).rows;
const withSid = (id: number) =>
  waitFor(
    async () =>
      (await ctx.db.pool.query(
        `SELECT * FROM interactions i WHERE id = $1 AND provider_message_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM delivery_attempts d WHERE d.interaction_id = i.id AND d.outcome = 'pending')`,
        [id],
      )).rows[0],
    15_000,
    'the reply to reach Twilio',
  );

describe('outbound delivery: at most once once the provider took it, every attempt on record', () => {
  it('a reply failing twice then succeeding shows three attempts in its timeline history, and reaches Twilio once', async () => {
    const caseId = await smsCase('+14155550201');
    api.failNext(/POST .*\/Messages\.json$/, { status: 500, code: 20500 }, { status: 503, code: 20503 });
    const id = await reply(caseId, 'Third time lucky');
    const row = await withSid(id);
    expect(atTwilio('Third time lucky')).toBe(1);
    const a = await attempts(id);
    expect(a.map((x) => x.outcome)).toEqual(['failed', 'failed', 'accepted']);
    expect(a.map((x) => x.provider_code)).toEqual(['20500', '20503', null]);
    expect(a[2].provider_message_id).toBe(row.provider_message_id);
    const tl = await ctx.app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/timeline`, headers: { authorization: `Bearer ${token}` } });
    const item = tl.json().items.find((x: { id: number }) => x.id === id);
    expect(item.deliveryAttempts.map((x: { outcome: string }) => x.outcome)).toEqual(['failed', 'failed', 'accepted']);
    expect(item.deliveryAttempts[0]).toMatchObject({ attempt: 1, providerCode: '20500', error: expect.stringMatching(/500/) });
  });

  it('Twilio took the message but its answer was lost: the retry finds it in Twilio\'s message list instead of sending it again', async () => {
    const caseId = await smsCase('+14155550202');
    api.dropAnswers(1);
    const id = await reply(caseId, 'Answer lost on the way back');
    const row = await withSid(id);
    expect(atTwilio('Answer lost on the way back')).toBe(1);
    const stored = api.messages.find((m) => m.body === 'Answer lost on the way back');
    expect(row.provider_message_id).toBe(stored!.sid);
    const a = await attempts(id);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ outcome: 'accepted', provider_message_id: stored!.sid, error: expect.stringMatching(/found at the provider/) });
    // the list was asked by To and From, as Twilio documents it
    expect(api.find(/GET .*\/Messages\.json$/).some((r) => r.query.get('To') === '+14155550202' && r.query.get('From') === OUR_NUMBER)).toBe(true);
  });

  it('a worker that died after calling Twilio (attempt left pending) is reconciled, not resent; one that died before calling sends once', async () => {
    const caseId = await smsCase('+14155550203');
    api.dropAnswers(1); // Twilio stores it; we "die" before recording: the attempt stays pending
    await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'Sent just before the crash' } });
    const id = (await ctx.db.pool.query(`SELECT id FROM interactions WHERE text = 'Sent just before the crash'`)).rows[0].id;
    await withSid(id);
    // replay the crash: forget the sid and reopen the attempt as if the process had died mid-call
    await ctx.db.pool.query(`UPDATE interactions SET provider_message_id = NULL, delivery_status = 'sending', updated_at = now() - interval '5 minutes' WHERE id = $1`, [id]);
    await ctx.db.pool.query(`UPDATE delivery_attempts SET outcome = 'pending', finished_at = NULL, provider_message_id = NULL, started_at = now() - interval '1 minute' WHERE interaction_id = $1`, [id]);
    const added: number[] = [];
    expect(await sweepQueuedOutbound(ctx.db.pool, { add: async (_n, d) => void added.push(d.interactionId) })).toBeGreaterThanOrEqual(1);
    expect(added).toContain(id);
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: false });
    expect(atTwilio('Sent just before the crash')).toBe(1);
    expect((await ctx.db.pool.query(`SELECT provider_message_id FROM interactions WHERE id = $1`, [id])).rows[0].provider_message_id).toMatch(/^SM/);

    // died after claiming the attempt but before calling Twilio: nothing to find, so it is sent (once)
    const id2 = await reply(caseId, 'Claimed but never sent');
    await withSid(id2);
    const sentSid = (await ctx.db.pool.query(`SELECT provider_message_id FROM interactions WHERE id = $1`, [id2])).rows[0].provider_message_id;
    api.messages.splice(api.messages.findIndex((m) => m.sid === sentSid), 1);
    await ctx.db.pool.query(`UPDATE interactions SET provider_message_id = NULL, delivery_status = 'sending' WHERE id = $1`, [id2]);
    await ctx.db.pool.query(`UPDATE delivery_attempts SET outcome = 'pending', finished_at = NULL, provider_message_id = NULL, request = '{}', started_at = now() - interval '1 minute' WHERE interaction_id = $1`, [id2]);
    const pushed: { event: string; payload: unknown }[] = [];
    const realtime = { emit: async (e: { event: string; payload: unknown }) => void pushed.push(e) };
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, realtime }, id2, { finalAttempt: false });
    expect(atTwilio('Claimed but never sent')).toBe(1);
    expect((await attempts(id2)).map((x) => x.outcome)).toEqual(['not_sent', 'accepted']);
    // the case's viewers are told the status with the attempts as recorded, the one just finished included
    const nowSid = (await ctx.db.pool.query(`SELECT provider_message_id, delivery_status FROM interactions WHERE id = $1`, [id2])).rows[0];
    expect(pushed).toEqual([{ nsp: '/agent', room: `case:${caseId}`, event: 'interaction:status', payload: expect.objectContaining({ interactionId: id2, status: nowSid.delivery_status, error: null }) }]);
    const shown = (pushed[0].payload as { attempts: { attempt: number; outcome: string; provider: string | null; finishedAt: string | null }[] }).attempts;
    expect(shown.map((x) => [x.attempt, x.outcome])).toEqual([[1, 'not_sent'], [2, 'accepted']]);
    expect(shown[1]).toMatchObject({ provider: 'twilio', finishedAt: expect.any(String) });
  });

  it('an older identical message at Twilio (same To, From and body) is not taken for an interrupted attempt: reconcile asks for messages sent since the attempt', async () => {
    const to = '+14155550206';
    const caseId = await smsCase(to);
    const id = await reply(caseId, 'Same words again');
    const first = (await withSid(id)).provider_message_id;
    // replay: the attempt was interrupted after noting To/From/body and Twilio never got the message...
    api.messages.splice(api.messages.findIndex((m) => m.sid === first), 1);
    const crash = async () => {
      await ctx.db.pool.query(`UPDATE interactions SET provider_message_id = NULL, delivery_status = 'sending' WHERE id = $1`, [id]);
      await ctx.db.pool.query(
        `UPDATE delivery_attempts SET outcome = 'pending', finished_at = NULL, provider_message_id = NULL, started_at = now() - interval '1 minute'
          WHERE id = (SELECT max(id) FROM delivery_attempts WHERE interaction_id = $1)`,
        [id],
      );
    };
    await crash();
    // ...while Twilio holds the same words to the same number from before: sent four minutes ago, and yesterday
    const now = Date.now();
    const older = api.addSentMessage({ to, from: OUR_NUMBER, body: 'Same words again', createdAt: new Date(now - 4 * 60_000), sentAt: new Date(now - 4 * 60_000 + 2000) });
    const yesterday = api.addSentMessage({ to, from: OUR_NUMBER, body: 'Same words again', createdAt: new Date(now - 86_400_000), sentAt: new Date(now - 86_400_000 + 2000) });
    const listsBefore = api.find(/GET .*\/Messages\.json$/).length;
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: false });
    const sentNow = (await ctx.db.pool.query(`SELECT provider_message_id FROM interactions WHERE id = $1`, [id])).rows[0].provider_message_id;
    expect(sentNow).toMatch(/^SM/);
    expect([older, yesterday]).not.toContain(sentNow);
    // the older ones plus the one sent now
    expect(atTwilio('Same words again')).toBe(3);
    expect((await attempts(id)).map((x) => x.outcome).slice(-2)).toEqual(['not_sent', 'accepted']);
    // asked by To, From and DateSent> around the attempt's start (the day of it, as Twilio documents the filter)
    const lists = api.find(/GET .*\/Messages\.json$/).slice(listsBefore);
    const dated = lists.find((r) => r.query.get('DateSent>'));
    expect(dated?.query.get('To')).toBe(to);
    expect(dated?.query.get('From')).toBe(OUR_NUMBER);
    expect(Math.abs(new Date(dated!.query.get('DateSent>')!).getTime() - (now - 2 * 60_000))).toBeLessThan(60_000);

    // once Twilio has sent it (date_sent set), an interrupted attempt finds this one among the messages sent since, not the older ones
    api.markSent(sentNow);
    await crash();
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: false });
    expect(atTwilio('Same words again')).toBe(3);
    expect((await ctx.db.pool.query(`SELECT provider_message_id FROM interactions WHERE id = $1`, [id])).rows[0].provider_message_id).toBe(sentNow);
  });

  it('a reply Twilio already holds (sid on record, status callback not yet in) is neither swept nor resent after Redis lost its jobs', async () => {
    const caseId = await smsCase('+14155550204');
    const id = await reply(caseId, 'Waiting for its callback');
    await withSid(id);
    await ctx.db.pool.query(`UPDATE interactions SET delivery_status = 'queued', updated_at = now() - interval '5 minutes' WHERE id = $1`, [id]);
    const added: number[] = [];
    await sweepQueuedOutbound(ctx.db.pool, { add: async (_n, d) => void added.push(d.interactionId) });
    expect(added).not.toContain(id);
    await deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: false });
    expect(atTwilio('Waiting for its callback')).toBe(1);
  });

  it('the recovery sweep finds a waiting reply among thousands delivered by an index of those in flight, not by reading them all', async () => {
    const caseId = await smsCase('+14155550205');
    const { customer_id: customerId } = (await ctx.db.pool.query(`SELECT customer_id FROM cases WHERE id = $1`, [caseId])).rows[0];
    await ctx.db.pool.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, text, delivery_status, provider, provider_message_id)
       SELECT $1, $2, 'sms', 'outbound', 'message', 'old reply', 'delivered', 'twilio', 'SMold' || g FROM generate_series(1, 3000) g`,
      [caseId, customerId],
    );
    const id = await reply(caseId, 'Lost its job');
    await withSid(id);
    // as if it had never been handed over and Redis lost its job
    await ctx.db.pool.query(`UPDATE interactions SET delivery_status = 'queued', provider_message_id = NULL, updated_at = now() - interval '5 minutes' WHERE id = $1`, [id]);
    const added: number[] = [];
    await sweepQueuedOutbound(ctx.db.pool, { add: async (_n, d) => void added.push(d.interactionId) });
    expect(added).toContain(id);
    // the plan: with sequential scans priced out, only an index of the waiting messages can serve it
    const c = await ctx.db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL enable_seqscan = off');
      const plan = JSON.stringify((await c.query(`EXPLAIN (FORMAT JSON) ${WAITING_OUTBOUND}`, [500, 60_000])).rows[0]);
      await c.query('ROLLBACK');
      expect(plan).toContain('interactions_outbound_pending_idx');
      expect(plan).not.toContain('Seq Scan');
    } finally {
      c.release();
    }
  });

  it('a portal sign-in code is sent once even when the job runs again, and a lost answer is reconciled', async () => {
    const deps = { db: ctx.db.pool, config: ctx.config, log };
    await handleNotification(deps, { kind: 'sms-code', to: '+14155550205', code: '482913', language: 'en' }, 'sms-code-test-1');
    await handleNotification(deps, { kind: 'sms-code', to: '+14155550205', code: '482913', language: 'en' }, 'sms-code-test-1');
    expect(api.messages.filter((m) => String(m.body).includes('482913'))).toHaveLength(1);

    api.dropAnswers(1);
    const job = { kind: 'sms-code' as const, to: '+14155550206', code: '771204', language: 'en' };
    await expect(handleNotification(deps, job, 'sms-code-test-2')).rejects.toThrow();
    await handleNotification(deps, job, 'sms-code-test-2');
    expect(api.messages.filter((m) => String(m.body).includes('771204'))).toHaveLength(1);
    const a = (await ctx.db.pool.query(`SELECT outcome FROM delivery_attempts WHERE system_key = 'sms-code-test-2'`)).rows;
    expect(a.map((x) => x.outcome)).toEqual(['accepted']);
    // the code itself is never written to the database
    expect(JSON.stringify((await ctx.db.pool.query(`SELECT * FROM delivery_attempts WHERE system_key LIKE 'sms-code-test-%'`)).rows)).not.toMatch(/482913|771204/);
  });
});
