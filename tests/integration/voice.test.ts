import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createHmac } from 'node:crypto';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, find, findAll, parseTwiml, postTwilio, sid, twilioEnv, waitFor } from '../helpers/twilio-signing.js';
import { callerJoinsConference } from '../helpers/twilio-conference.js';
import { voiceChannel } from '../../server/src/channels/voice/index.js';
import { startTwilioWorker } from '../../workers/src/processors/twilio.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';

let ctx: TestContext;
let api: TwilioApiServer;
let adminToken: string;
let agentToken: string;
let agent: { id: number; email: string; password: string };
let support: { id: number };
let billing: { id: number };
const MAIN = '+14155550200';
const MENU = '+14155550201';
const NIGHT = '+14155550202';
const PUB = TWILIO_TEST.publicUrl;

const login = async (a: { email: string; password: string }) =>
  (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token as string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;
const sendCtx = () => ({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }) });

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(
    twilioEnv(api.url, { TWILIO_API_KEY_SID: 'SK' + 'a'.repeat(32), TWILIO_API_KEY_SECRET: 'api-key-secret-for-tests', TWILIO_TWIML_APP_SID: 'AP' + 'b'.repeat(32) }),
  );
  support = await makeQueue(ctx.db.pool, { name: 'support', channels: ['voice', 'sms'] });
  billing = await makeQueue(ctx.db.pool, { name: 'billing', channels: ['voice'] });
  await ctx.db.pool.query(`UPDATE queues SET max_wait_seconds = 120 WHERE id = $1`, [support.id]);
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  adminToken = await login(admin);
  agent = await makeAgent(ctx.db.pool, { queueIds: [support.id, billing.id] });
  await ctx.db.pool.query(`UPDATE agents SET phone = '+14155550999' WHERE id = $1`, [agent.id]);
  agentToken = await login(agent);
  const add = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken), payload });
  expect((await add({ e164: MAIN, queueId: support.id, greeting: { en: 'Welcome to Acme support.' } })).statusCode).toBe(201);
  expect(
    (
      await add({
        e164: MENU, queueId: support.id,
        ivr: { prompt: { en: 'Main menu.' }, options: [{ digit: '1', queueId: support.id, label: { en: 'support' } }, { digit: '2', queueId: billing.id, label: { en: 'billing' } }] },
      })
    ).statusCode,
  ).toBe(201);
  // closed every day: the weekly schedule has no opening hours
  expect((await add({ e164: NIGHT, queueId: support.id, businessHours: { timezone: 'Asia/Tehran', weekly: {} }, afterHoursMessage: { en: 'We are closed.' } })).statusCode).toBe(201);
});
afterAll(async () => {
  await ctx.close();
  await api.close();
});

const callParams = (from: string, to: string, extra: Record<string, string> = {}) => ({
  CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: from, To: to, CallStatus: 'ringing', Direction: 'inbound', ...extra,
});

async function incomingCall(from: string, to = MAIN) {
  const p = callParams(from, to);
  const r = await postTwilio(ctx.app, '/webhooks/twilio/voice', p);
  expect(r.statusCode).toBe(200);
  const call = (await q(`SELECT * FROM calls WHERE call_sid = $1`, [p.CallSid]))[0];
  return { p, r, twiml: parseTwiml(r.body), call };
}

describe('inbound call', () => {
  it('rejects unsigned or mis-signed voice webhooks (including a signature made without the query string)', async () => {
    const p = callParams('+14155550300', MAIN);
    expect((await postTwilio(ctx.app, '/webhooks/twilio/voice', p, { token: 'wrong' })).statusCode).toBe(403);
    expect((await postTwilio(ctx.app, '/webhooks/twilio/voice', p, { signature: null })).statusCode).toBe(403);
    expect((await postTwilio(ctx.app, '/webhooks/twilio/voice/wait?callId=1', { QueuePosition: '1' }, { signUrl: `${PUB}/webhooks/twilio/voice/wait` })).statusCode).toBe(403);
    expect((await q(`SELECT count(*)::int AS n FROM calls WHERE call_sid = $1`, [p.CallSid]))[0].n).toBe(0);
  });

  it('greets the caller, creates customer + call interaction + case on the number’s queue, and answers with <Enqueue> and a wait URL; a replay changes nothing', async () => {
    const { p, r, twiml, call } = await incomingCall('+14155550301');
    const say = find(twiml, 'Say');
    expect(say.text).toBe('Welcome to Acme support.');
    expect(say.attrs.language).toBe('en-US');
    const enq = find(twiml, 'Enqueue');
    expect(enq.text).toBe(`hub-queue-${support.id}`);
    expect(enq.attrs.waitUrl).toBe(`${PUB}/webhooks/twilio/voice/wait?callId=${call.id}`);
    expect(enq.attrs.action).toBe(`${PUB}/webhooks/twilio/voice/queue-exit?callId=${call.id}`);
    const c = (await q(`SELECT * FROM cases WHERE id = $1`, [call.case_id]))[0];
    expect(c).toMatchObject({ channel: 'voice', queue_id: support.id, routing_state: 'waiting' });
    const i = (await q(`SELECT * FROM interactions WHERE id = $1`, [call.interaction_id]))[0];
    expect(i).toMatchObject({ kind: 'call', direction: 'inbound', from_address: '+14155550301', to_address: MAIN });
    expect(call).toMatchObject({ state: 'queued', direction: 'inbound', queue_id: support.id });

    const again = await postTwilio(ctx.app, '/webhooks/twilio/voice', p);
    expect(again.statusCode).toBe(200);
    expect(find(parseTwiml(again.body), 'Enqueue').text).toBe(`hub-queue-${support.id}`);
    expect((await q(`SELECT count(*)::int AS n FROM calls WHERE call_sid = $1`, [p.CallSid]))[0].n).toBe(1);
    expect((await q(`SELECT count(*)::int AS n FROM cases WHERE customer_id = $1`, [c.customer_id]))[0].n).toBe(1);
    expect(r.headers['content-type']).toMatch(/text\/xml/);
  });

  it('greets a Persian-speaking caller in Persian, from the recorded greeting (Twilio has no Persian text-to-speech)', async () => {
    const { twiml } = await incomingCall('+989121112233');
    expect(findAll(twiml, 'Say')).toHaveLength(0);
    expect(find(twiml, 'Play').text).toBe(`${PUB}/voice-prompts/fa/greeting.wav`);
  });

  it('plays the number’s menu with <Gather>; the digit picks the queue and the caller is enqueued there', async () => {
    const { twiml, call } = await incomingCall('+14155550302', MENU);
    const gather = find(twiml, 'Gather');
    expect(gather.attrs).toMatchObject({ numDigits: '1', action: `${PUB}/webhooks/twilio/voice/menu?callId=${call.id}` });
    expect(findAll(gather, 'Say').map((s) => s.text)).toEqual(['Main menu.', 'For support, press 1.', 'For billing, press 2.']);
    expect(findAll(twiml, 'Enqueue')).toHaveLength(0);
    expect((await q(`SELECT routing_state FROM cases WHERE id = $1`, [call.case_id]))[0].routing_state).toBe('none');

    const r = await postTwilio(ctx.app, `/webhooks/twilio/voice/menu?callId=${call.id}`, { CallSid: call.call_sid, Digits: '2' });
    expect(find(parseTwiml(r.body), 'Enqueue').text).toBe(`hub-queue-${billing.id}`);
    expect((await q(`SELECT queue_id, routing_state FROM cases WHERE id = $1`, [call.case_id]))[0]).toEqual({ queue_id: billing.id, routing_state: 'waiting' });
    // the same menu answer again does not queue the case twice
    await postTwilio(ctx.app, `/webhooks/twilio/voice/menu?callId=${call.id}`, { CallSid: call.call_sid, Digits: '2' });
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'queued'`, [call.case_id]))[0].n).toBe(1);
  });

  it('tells a waiting caller their position and estimated wait over hold music, and sends them on with <Leave> after the queue’s maximum wait', async () => {
    const { call } = await incomingCall('+14155550303');
    const r = await postTwilio(ctx.app, `/webhooks/twilio/voice/wait?callId=${call.id}`, { CallSid: call.call_sid, QueuePosition: '3', QueueTime: '40', AvgQueueTime: '60', CurrentQueueSize: '3' });
    const twiml = parseTwiml(r.body);
    const says = findAll(twiml, 'Say').map((s) => s.text);
    expect(says[0]).toBe('You are number 3 in line.');
    expect(says[1]).toMatch(/estimated wait is about \d+ minutes/);
    expect(find(twiml, 'Play').text).toBe(ctx.config.twilio.holdMusicUrl);
    const late = await postTwilio(ctx.app, `/webhooks/twilio/voice/wait?callId=${call.id}`, { CallSid: call.call_sid, QueuePosition: '1', QueueTime: '121' });
    expect(findAll(parseTwiml(late.body), 'Leave')).toHaveLength(1);
  });
});

describe('calls nobody answered', () => {
  it('missed: past the max wait the caller gets voicemail (<Record> with transcription); recording + transcription land on a callback case', async () => {
    const { call } = await incomingCall('+14155550310');
    const exit = await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, { CallSid: call.call_sid, QueueResult: 'leave', QueueTime: '121' });
    const twiml = parseTwiml(exit.body);
    const rec = find(twiml, 'Record');
    expect(rec.attrs).toMatchObject({
      transcribe: 'true',
      transcribeCallback: `${PUB}/webhooks/twilio/voice/transcription?callId=${call.id}`,
      recordingStatusCallback: `${PUB}/webhooks/twilio/voice/recording?callId=${call.id}&kind=voicemail`,
    });
    expect(findAll(twiml, 'Say').map((s) => s.text).join(' ')).toMatch(/leave a message/);
    // replayed queue-exit: still one callback case
    await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, { CallSid: call.call_sid, QueueResult: 'leave', QueueTime: '121' });

    const after = (await q(`SELECT * FROM calls WHERE id = $1`, [call.id]))[0];
    expect(after).toMatchObject({ outcome: 'missed', state: 'voicemail' });
    const cb = (await q(`SELECT * FROM cases WHERE id = $1`, [after.callback_case_id]))[0];
    expect(cb).toMatchObject({ type: 'callback', channel: 'voice', routing_state: 'waiting', queue_id: support.id });
    expect((await q(`SELECT kind FROM case_links WHERE case_id = $1 AND linked_case_id = $2`, [cb.id, call.case_id]))[0].kind).toBe('callback');
    const orig = (await q(`SELECT status, routing_state FROM cases WHERE id = $1`, [call.case_id]))[0];
    expect(orig).toEqual({ status: 'solved', routing_state: 'none' });
    // the caller waited and we did not answer: offered and unanswered, but not abandoned
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id]))[0].n).toBe(0);

    const recSid = sid('RE');
    const recording = { CallSid: call.call_sid, RecordingSid: recSid, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Recordings/${recSid}`, RecordingStatus: 'completed', RecordingDuration: '14' };
    // transcription first, recording second: Twilio does not promise an order
    const tr = { CallSid: call.call_sid, RecordingSid: recSid, TranscriptionSid: sid('TR'), TranscriptionStatus: 'completed', TranscriptionText: 'Hi, this is Sam, please call me about my invoice.' };
    expect((await postTwilio(ctx.app, `/webhooks/twilio/voice/transcription?callId=${call.id}`, tr)).statusCode).toBe(204);
    expect((await postTwilio(ctx.app, `/webhooks/twilio/voice/recording?callId=${call.id}&kind=voicemail`, recording)).statusCode).toBe(204);
    await postTwilio(ctx.app, `/webhooks/twilio/voice/recording?callId=${call.id}&kind=voicemail`, recording);
    await postTwilio(ctx.app, `/webhooks/twilio/voice/transcription?callId=${call.id}`, tr);

    const vm = await q(`SELECT * FROM interactions WHERE case_id = $1 AND kind = 'voicemail'`, [cb.id]);
    expect(vm).toHaveLength(1);
    expect(vm[0].text).toBe('Voicemail: Hi, this is Sam, please call me about my invoice.');
    expect(vm[0].metadata).toMatchObject({ recordingSid: recSid, durationSeconds: 14, voicemailUrl: `/api/v1/voice/recordings/${recSid}`, transcription: 'Hi, this is Sam, please call me about my invoice.' });
    const r = (await q(`SELECT * FROM call_recordings WHERE recording_sid = $1`, [recSid]))[0];
    expect(r).toMatchObject({ kind: 'voicemail', duration_seconds: 14, interaction_id: vm[0].id });
    expect((await q(`SELECT count(*)::int AS n FROM cases WHERE type = 'callback' AND customer_id = $1`, [cb.customer_id]))[0].n).toBe(1);
  });

  it('abandoned: the caller hangs up while queued → abandoned event (KPI), the case leaves the queue and a callback case is opened once', async () => {
    const { call } = await incomingCall('+14155550311');
    const hang = { CallSid: call.call_sid, QueueResult: 'hangup', QueueTime: '35' };
    const r = await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, hang);
    expect(r.statusCode).toBe(200);
    await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, hang);
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '41' });
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '41' });
    const ev = await q(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id]);
    expect(ev).toHaveLength(1);
    expect(ev[0].data.reason).toBe('abandoned');
    const after = (await q(`SELECT * FROM calls WHERE id = $1`, [call.id]))[0];
    expect(after).toMatchObject({ outcome: 'abandoned', state: 'completed', total_seconds: 41 });
    expect((await q(`SELECT routing_state FROM cases WHERE id = $1`, [call.case_id]))[0].routing_state).toBe('none');
    const cbs = await q(`SELECT c.* FROM case_links l JOIN cases c ON c.id = l.case_id WHERE l.linked_case_id = $1 AND l.kind = 'callback'`, [call.case_id]);
    expect(cbs).toHaveLength(1);
    expect(cbs[0]).toMatchObject({ type: 'callback', routing_state: 'waiting' });
  });

  it('a hang-up reported only by the status callback is still an abandoned call', async () => {
    const { call } = await incomingCall('+14155550312');
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '20' });
    expect((await q(`SELECT outcome FROM calls WHERE id = $1`, [call.id]))[0].outcome).toBe('abandoned');
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id]))[0].n).toBe(1);
  });

  it('after hours: the after-hours message then voicemail; the voicemail opens a callback case', async () => {
    const { twiml, call } = await incomingCall('+14155550313', NIGHT);
    expect(find(twiml, 'Say').text).toBe('We are closed.');
    find(twiml, 'Record');
    expect(findAll(twiml, 'Enqueue')).toHaveLength(0);
    expect((await q(`SELECT routing_state FROM cases WHERE id = $1`, [call.case_id]))[0].routing_state).toBe('none');
    const recSid = sid('RE');
    await postTwilio(ctx.app, `/webhooks/twilio/voice/recording?callId=${call.id}&kind=voicemail`, { CallSid: call.call_sid, RecordingSid: recSid, RecordingUrl: `https://api.twilio.com/x/${recSid}`, RecordingStatus: 'completed', RecordingDuration: '9' });
    const after = (await q(`SELECT * FROM calls WHERE id = $1`, [call.id]))[0];
    expect(after.outcome).toBe('after_hours');
    const cb = (await q(`SELECT * FROM cases WHERE id = $1`, [after.callback_case_id]))[0];
    expect(cb).toMatchObject({ type: 'callback', routing_state: 'waiting' });
    expect((await q(`SELECT text FROM interactions WHERE case_id = $1 AND kind = 'voicemail'`, [cb.id]))[0].text).toBe('Voicemail (9 s)');
    // when the call ends the after-hours call case is closed with what happened; the callback case stays open
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '25' });
    const orig = (await q(`SELECT status, resolution_note FROM cases WHERE id = $1`, [call.case_id]))[0];
    expect(orig.status).toBe('solved');
    expect(orig.resolution_note).toMatch(/outside business hours; callback case opened/);
    expect((await q(`SELECT status FROM cases WHERE id = $1`, [cb.id]))[0].status).toBe('new');
  });

  it('a caller who hangs up in the menu leaves a closed call case, not an open one nobody routes', async () => {
    const { call } = await incomingCall('+14155550314', MENU);
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '4' });
    const c = (await q(`SELECT status, routing_state, resolution_note FROM cases WHERE id = $1`, [call.case_id]))[0];
    expect(c).toEqual({ status: 'solved', routing_state: 'none', resolution_note: 'Caller hung up before reaching the queue.' });
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id]))[0].n).toBe(0);
  });

  it('a number without voice answers with a short message and creates nothing', async () => {
    const SMS_ONLY = '+14155550203';
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken), payload: { e164: SMS_ONLY, voiceEnabled: false } })).statusCode).toBe(201);
    const p = callParams('+14155550315', SMS_ONLY);
    const twiml = parseTwiml((await postTwilio(ctx.app, '/webhooks/twilio/voice', p)).body);
    expect(find(twiml, 'Say').text).toMatch(/does not take calls/);
    find(twiml, 'Hangup');
    expect((await q(`SELECT count(*)::int AS n FROM calls WHERE call_sid = $1`, [p.CallSid]))[0].n).toBe(0);
  });
});

describe('maximum wait', () => {
  it('a worker timer moves a caller still queued after the queue’s maximum wait to voicemail (once), opening a callback case', async () => {
    const quick = await makeQueue(ctx.db.pool, { name: 'quick', channels: ['voice'] });
    await ctx.db.pool.query(`UPDATE queues SET max_wait_seconds = 1 WHERE id = $1`, [quick.id]);
    const QUICK = '+14155550210';
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken), payload: { e164: QUICK, queueId: quick.id } })).statusCode).toBe(201);
    const blocking = createRedis(REDIS_URL, 'worker');
    const producer = createRedis(REDIS_URL, 'producer');
    const stop = startTwilioWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }), connection: blocking, producer, prefix: ctx.config.queuePrefix });
    try {
      const { call } = await incomingCall('+14155550340', QUICK);
      const redirect = await waitFor(async () => api.find(new RegExp(`Calls/${call.call_sid}\\.json$`))[0], 8000, 'redirect to voicemail');
      expect(redirect.form.Url).toBe(`${PUB}/webhooks/twilio/voice/missed?callId=${call.id}`);
      const vm = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/missed?callId=${call.id}`, { CallSid: call.call_sid })).body);
      find(vm, 'Record');
      // Twilio then reports the queue exit as "redirected": nothing more happens
      await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, { CallSid: call.call_sid, QueueResult: 'redirected' });
      const after = (await q(`SELECT * FROM calls WHERE id = $1`, [call.id]))[0];
      expect(after).toMatchObject({ outcome: 'missed', state: 'voicemail' });
      expect((await q(`SELECT type, routing_state FROM cases WHERE id = $1`, [after.callback_case_id]))[0]).toEqual({ type: 'callback', routing_state: 'waiting' });
      expect((await q(`SELECT routing_state FROM cases WHERE id = $1`, [call.case_id]))[0].routing_state).toBe('none');
      await new Promise((r) => setTimeout(r, 300));
      expect(api.find(new RegExp(`Calls/${call.call_sid}\\.json$`))).toHaveLength(1);
    } finally {
      await stop();
      blocking.disconnect();
      producer.disconnect();
    }
  });
});

describe('lost status callbacks', () => {
  it('a stale call is asked about at Twilio and finished: a caller who hung up while queued still gets a callback case', async () => {
    const { call } = await incomingCall('+14155550350');
    const live = await incomingCall('+14155550351');
    await ctx.db.pool.query(`UPDATE calls SET updated_at = now() - interval '2 hours' WHERE id = ANY($1)`, [[call.id, live.call.id]]);
    api.setCallStatus(call.call_sid, 'completed', 380);
    const { reconcileStaleCalls } = await import('../../server/src/channels/voice/providers/twilio/reconcile.js');
    const deps = { db: ctx.db.pool, queues: ctx.app.queues, config: ctx.config, log: pino({ level: 'silent' }) };
    expect(await reconcileStaleCalls(deps)).toBe(1);
    const after = (await q(`SELECT * FROM calls WHERE id = $1`, [call.id]))[0];
    expect(after).toMatchObject({ state: 'completed', outcome: 'abandoned', total_seconds: 380 });
    expect((await q(`SELECT type FROM cases WHERE id = $1`, [after.callback_case_id]))[0].type).toBe('callback');
    // the other one is still live at Twilio: left alone, looked at again later
    expect((await q(`SELECT state, twilio_status FROM calls WHERE id = $1`, [live.call.id]))[0]).toEqual({ state: 'queued', twilio_status: 'in-progress' });
    expect(await reconcileStaleCalls(deps)).toBe(0);
    expect(api.find(new RegExp(`^GET .*Calls/${live.call.call_sid}\\.json$`))).toHaveLength(1);
  });
});

describe('connecting the agent', () => {
  it('on accept redirects the queued call via REST into a conference; the agent is rung into it (browser client + phone); talk time comes from the agent’s leg', async () => {
    const { call } = await incomingCall('+14155550320');
    // the router's accept: the case is the agent's
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [call.case_id, agent.id]);
    await voiceChannel.onAssigned!(sendCtx(), { caseId: call.case_id, agentId: agent.id });
    const redirect = api.find(new RegExp(`^POST /2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Calls/${call.call_sid}\\.json$`));
    expect(redirect).toHaveLength(1);
    expect(redirect[0]!.form).toMatchObject({ Url: `${PUB}/webhooks/twilio/voice/connect?callId=${call.id}&agentId=${agent.id}`, Method: 'POST' });

    const connect = await postTwilio(ctx.app, `/webhooks/twilio/voice/connect?callId=${call.id}&agentId=${agent.id}`, { CallSid: call.call_sid, CallStatus: 'in-progress' });
    const twiml = parseTwiml(connect.body);
    const dial = find(twiml, 'Dial');
    expect(dial.attrs).toMatchObject({ action: `${PUB}/webhooks/twilio/voice/dial-done?callId=${call.id}&agentId=${agent.id}` });
    const conference = find(dial, 'Conference');
    const confName = (await q(`SELECT conference_name FROM calls WHERE id = $1`, [call.id]))[0].conference_name;
    expect(conference.text).toBe(confName);
    expect(conference.attrs).toMatchObject({
      participantLabel: 'customer', startConferenceOnEnter: 'false', endConferenceOnExit: 'true', beep: 'false',
      record: 'record-from-start',
      recordingStatusCallback: `${PUB}/webhooks/twilio/voice/recording?callId=${call.id}&kind=call`,
      statusCallback: `${PUB}/webhooks/twilio/voice/conference-events?callId=${call.id}`,
      statusCallbackEvent: 'start end join leave',
    });
    expect((await q(`SELECT state, agent_id FROM calls WHERE id = $1`, [call.id]))[0]).toEqual({ state: 'connecting', agent_id: agent.id });
    // Twilio reports the queue exit of a redirected call too; its answer leads to the same conference
    const exit = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, { CallSid: call.call_sid, QueueResult: 'redirected', QueueTime: '12' })).body);
    expect(find(find(exit, 'Dial'), 'Conference').text).toBe(confName);

    // the caller's join rings the agent into the conference: browser client and phone, each a participant
    const joined = await callerJoinsConference(ctx.app, api, twiml, call.call_sid);
    expect((await q(`SELECT conference_sid FROM calls WHERE id = $1`, [call.id]))[0].conference_sid).toBe(joined.conferenceSid);
    const created = api.find(/Participants\.json$/).filter((r) => r.path.includes(confName) || r.path.includes(joined.conferenceSid));
    expect(created.map((r) => r.form.To).sort()).toEqual(['+14155550999', `client:agent-${agent.id}`]);
    for (const r of created) {
      expect(r.form).toMatchObject({
        StartConferenceOnEnter: 'true', EndConferenceOnExit: 'true', Beep: 'false', Timeout: '20',
        StatusCallback: `${PUB}/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`,
      });
    }
    const leg = joined.participants.get(`agent-${agent.id}`)!.call_sid;
    const phoneLeg = joined.participants.get(`agent-${agent.id}-phone`)!.call_sid;
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, { CallSid: leg, CallStatus: 'in-progress' });
    expect((await q(`SELECT state, agent_call_sid FROM calls WHERE id = $1`, [call.id]))[0]).toEqual({ state: 'in_progress', agent_call_sid: leg });
    // the first leg to answer wins: the phone stops ringing, and its end changes nothing
    expect(api.find(new RegExp(`^POST .*/Calls/${phoneLeg}\\.json$`)).at(-1)!.form).toMatchObject({ Status: 'completed' });
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, { CallSid: phoneLeg, CallStatus: 'canceled' });
    expect(api.find(new RegExp(`Calls/${call.call_sid}\\.json$`))).toHaveLength(1);

    const recSid = sid('RE');
    await postTwilio(ctx.app, `/webhooks/twilio/voice/recording?callId=${call.id}&kind=call`, { CallSid: call.call_sid, RecordingSid: recSid, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Recordings/${recSid}`, RecordingStatus: 'completed', RecordingDuration: '95' });
    // the agent hangs up: their leg's duration is the talk time; the conference ends and the caller hears goodbye
    const legDone = { CallSid: leg, CallStatus: 'completed', CallDuration: '95' };
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, legDone);
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, legDone);
    const done = { CallSid: call.call_sid, DialCallStatus: 'completed', DialCallDuration: '101' };
    const end = await postTwilio(ctx.app, `/webhooks/twilio/voice/dial-done?callId=${call.id}&agentId=${agent.id}`, done);
    find(parseTwiml(end.body), 'Hangup');
    await postTwilio(ctx.app, `/webhooks/twilio/voice/dial-done?callId=${call.id}&agentId=${agent.id}`, done);
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '130' });

    const after = (await q(`SELECT * FROM calls WHERE id = $1`, [call.id]))[0];
    expect(after).toMatchObject({ state: 'completed', outcome: 'answered', talk_seconds: 95, total_seconds: 130 });
    const talk = await q(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'updated' AND data->>'call' = 'talk_time'`, [call.case_id]);
    expect(talk).toHaveLength(1);
    expect(talk[0].data.talkSeconds).toBe(95);
    const inter = (await q(`SELECT metadata FROM interactions WHERE id = $1`, [call.interaction_id]))[0];
    expect(inter.metadata).toMatchObject({ talkSeconds: 95, outcome: 'answered' });
    expect(inter.metadata.recordings).toEqual([{ sid: recSid, durationSeconds: 95, status: 'completed', player: `/api/v1/voice/recordings/${recSid}` }]);
    // what the agent timeline plays and shows
    expect(inter.metadata).toMatchObject({ durationSeconds: 95, recordingUrl: `/api/v1/voice/recordings/${recSid}` });

    const list = await ctx.app.inject({ method: 'GET', url: `/api/v1/voice/calls?caseId=${call.case_id}`, headers: auth(agentToken) });
    expect(list.json()).toEqual([
      expect.objectContaining({ id: call.id, state: 'completed', outcome: 'answered', talkSeconds: 95, recordings: [{ sid: recSid, kind: 'call', durationSeconds: 95, player: `/api/v1/voice/recordings/${recSid}` }] }),
    ]);
    // a written reply on a phone case is refused in the composer with what to do instead
    const written = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${call.case_id}/messages`, headers: auth(agentToken), payload: { text: 'Thanks for calling' } });
    expect(written.statusCode).toBe(422);
    expect(written.json().message).toMatch(/send it as an SMS/);
    const asSms = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${call.case_id}/messages`, headers: auth(agentToken), payload: { text: 'Thanks for calling', channel: 'sms' } });
    expect(asSms.statusCode).toBe(201);
    // the player link streams the recording from Twilio with the account's credentials
    api.serve(`/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Recordings/${recSid}.mp3`, 'audio/mpeg', Buffer.from('ID3-fake-mp3'));
    const play = await ctx.app.inject({ method: 'GET', url: `/api/v1/voice/recordings/${recSid}`, headers: auth(agentToken) });
    expect(play.statusCode).toBe(200);
    expect(play.headers['content-type']).toBe('audio/mpeg');
    expect(play.body).toBe('ID3-fake-mp3');
    expect((await ctx.app.inject({ method: 'GET', url: `/api/v1/voice/recordings/${recSid}` })).statusCode).toBe(401);
  });

  it('connecting retries on Twilio 5xx, and gives up quietly when the caller already hung up (4xx)', async () => {
    const { call } = await incomingCall('+14155550321');
    api.failNext(new RegExp(`Calls/${call.call_sid}\\.json$`), { status: 503, message: 'Service unavailable' });
    await expect(voiceChannel.onAssigned!(sendCtx(), { caseId: call.case_id, agentId: agent.id })).rejects.toMatchObject({ status: 503 });
    await voiceChannel.onAssigned!(sendCtx(), { caseId: call.case_id, agentId: agent.id });
    expect((await q(`SELECT state FROM calls WHERE id = $1`, [call.id]))[0].state).toBe('connecting');

    const other = await incomingCall('+14155550322');
    api.failNext(new RegExp(`Calls/${other.call.call_sid}\\.json$`), { status: 400, code: 21220, message: 'Call is not in-progress. Cannot redirect.' });
    await expect(voiceChannel.onAssigned!(sendCtx(), { caseId: other.call.case_id, agentId: agent.id })).resolves.toBeUndefined();
    expect((await q(`SELECT state FROM calls WHERE id = $1`, [other.call.id]))[0].state).toBe('queued');
  });

  it('if the REST redirect never happened, the hold TwiML leaves the queue after a grace period and the exit TwiML dials the accepting agent', async () => {
    const { call } = await incomingCall('+14155550324');
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [call.case_id, agent.id]);
    await ctx.db.pool.query(`INSERT INTO case_events (case_id, type, agent_id, created_at) VALUES ($1, 'accepted', $2, now())`, [call.case_id, agent.id]);
    const waitParams = { CallSid: call.call_sid, QueuePosition: '1', QueueTime: '30' };
    // just accepted: the redirect gets its chance, the caller keeps hearing hold music
    const fresh = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/wait?callId=${call.id}`, waitParams)).body);
    expect(findAll(fresh, 'Leave')).toHaveLength(0);
    await ctx.db.pool.query(`UPDATE case_events SET created_at = now() - interval '30 seconds' WHERE case_id = $1 AND type = 'accepted'`, [call.case_id]);
    const late = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/wait?callId=${call.id}`, waitParams)).body);
    expect(findAll(late, 'Leave')).toHaveLength(1);
    const exit = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/queue-exit?callId=${call.id}`, { CallSid: call.call_sid, QueueResult: 'leave', QueueTime: '31' })).body);
    expect(find(find(exit, 'Dial'), 'Conference').text).toBe((await q(`SELECT conference_name FROM calls WHERE id = $1`, [call.id]))[0].conference_name);
    expect(findAll(exit, 'Record')).toHaveLength(0);
    // once in the conference, the accepting agent is rung into it
    await callerJoinsConference(ctx.app, api, exit, call.call_sid);
    expect(api.find(/Participants\.json$/).at(-2)!.form.To).toBe(`client:agent-${agent.id}`);
    const after = (await q(`SELECT state, agent_id, outcome, callback_case_id FROM calls WHERE id = $1`, [call.id]))[0];
    expect(after).toEqual({ state: 'connecting', agent_id: agent.id, outcome: null, callback_case_id: null });
  });

  it('an agent who does not pick up sends the caller back to the queue in their place', async () => {
    const { call } = await incomingCall('+14155550323');
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [call.case_id, agent.id]);
    const connect = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/connect?callId=${call.id}&agentId=${agent.id}`, { CallSid: call.call_sid })).body);
    const { participants } = await callerJoinsConference(ctx.app, api, connect, call.call_sid);
    // neither the browser nor the phone answers: the caller is sent back to the queue
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, { CallSid: participants.get(`agent-${agent.id}`)!.call_sid, CallStatus: 'no-answer' });
    expect(api.find(new RegExp(`Calls/${call.call_sid}\\.json$`))).toHaveLength(0);
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, { CallSid: participants.get(`agent-${agent.id}-phone`)!.call_sid, CallStatus: 'busy' });
    const back = api.find(new RegExp(`Calls/${call.call_sid}\\.json$`));
    expect(back.map((b) => b.form.Url)).toEqual([`${PUB}/webhooks/twilio/voice/requeue?callId=${call.id}&why=unanswered`]);
    const r = await postTwilio(ctx.app, `/webhooks/twilio/voice/requeue?callId=${call.id}&why=unanswered`, { CallSid: call.call_sid });
    expect(find(parseTwiml(r.body), 'Enqueue').text).toBe(`hub-queue-${support.id}`);
    const c = (await q(`SELECT assignee_id, routing_state, first_queued_at FROM cases WHERE id = $1`, [call.case_id]))[0];
    expect(c).toMatchObject({ assignee_id: null, routing_state: 'waiting' });
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'requeued'`, [call.case_id]))[0].n).toBe(1);
  });
});

describe('agent calling and transfers', () => {
  it('issues Voice JS SDK access tokens with a VoiceGrant for the signed-in agent', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/voice/token' })).statusCode).toBe(401);
    const r = await ctx.app.inject({ method: 'GET', url: '/api/v1/voice/token', headers: auth(agentToken) });
    expect(r.statusCode).toBe(200);
    const { token, identity } = r.json();
    expect(identity).toBe(`agent-${agent.id}`);
    const [h, p, s] = token.split('.');
    const expected = createHmac('sha256', 'api-key-secret-for-tests').update(`${h}.${p}`).digest('base64url');
    expect(s).toBe(expected);
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    expect(payload.iss).toBe('SK' + 'a'.repeat(32));
    expect(payload.sub).toBe(TWILIO_TEST.accountSid);
    expect(payload.grants.identity).toBe(`agent-${agent.id}`);
    expect(payload.grants.voice).toEqual({ incoming: { allow: true }, outgoing: { application_sid: 'AP' + 'b'.repeat(32) } });
  });

  it('click-to-call rings the agent’s phone via REST, then the TwiML dials the customer; logged as an outbound call on the case', async () => {
    const { call: inbound } = await incomingCall('+14155550330');
    const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/voice/calls', headers: auth(agentToken), payload: { caseId: inbound.case_id } });
    expect(r.statusCode).toBe(201);
    const out = r.json();
    expect(out).toMatchObject({ direction: 'outbound', caseId: inbound.case_id, customerNumber: '+14155550330' });
    const create = api.find(/Calls\.json$/).at(-1)!;
    expect(create.form).toMatchObject({ To: '+14155550999', From: MAIN, Url: `${PUB}/webhooks/twilio/voice/outbound?callId=${out.id}`, StatusCallback: `${PUB}/webhooks/twilio/voice/status` });
    expect(out.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    const twiml = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/outbound?callId=${out.id}`, { CallSid: out.callSid, CallStatus: 'in-progress' })).body);
    const dial = find(twiml, 'Dial');
    expect(dial.attrs.callerId).toBe(MAIN);
    expect(find(dial, 'Number').text).toBe('+14155550330');
    const i = (await q(`SELECT * FROM interactions WHERE id = $1`, [out.interactionId]))[0];
    expect(i).toMatchObject({ direction: 'outbound', kind: 'call', author_agent_id: agent.id, to_address: '+14155550330' });

    // only the customer's own numbers (toll-fraud guard)
    const premium = await ctx.app.inject({ method: 'POST', url: '/api/v1/voice/calls', headers: auth(agentToken), payload: { caseId: inbound.case_id, to: '+19005550199' } });
    expect(premium.statusCode).toBe(422);
    expect(premium.json().message).toMatch(/premium-rate/);

    api.failNext(/Calls\.json$/, { status: 400, code: 21215, message: 'Geo permission not enabled' });
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/v1/voice/calls', headers: auth(agentToken), payload: { caseId: inbound.case_id } });
    expect(bad.statusCode).toBe(502);
    expect(bad.json().message).toMatch(/21215/);
  });

  it('the TwiML app lets a browser agent call a customer from a case', async () => {
    const { call: inbound } = await incomingCall('+14155550331');
    const browserLeg = sid('CA');
    const r = await postTwilio(ctx.app, '/webhooks/twilio/voice/client', { CallSid: browserLeg, From: `client:agent-${agent.id}`, To: '+14155550331', CaseId: String(inbound.case_id), ApplicationSid: 'AP' + 'b'.repeat(32) });
    const dial = find(parseTwiml(r.body), 'Dial');
    expect(find(dial, 'Number').text).toBe('+14155550331');
    const call = (await q(`SELECT * FROM calls WHERE call_sid = $1`, [browserLeg]))[0];
    expect(call).toMatchObject({ direction: 'outbound', case_id: inbound.case_id, agent_id: agent.id });
    const other = parseTwiml((await postTwilio(ctx.app, '/webhooks/twilio/voice/client', { CallSid: sid('CA'), From: `client:agent-${agent.id}`, To: '+19005550199', CaseId: String(inbound.case_id) })).body);
    expect(findAll(other, 'Dial')).toHaveLength(0);
    expect(find(other, 'Say').text).toMatch(/premium-rate/);
  });

  it('cold transfer to a queue puts the caller back on hold and the case back on the queue; warm transfer rings the other agent into the call’s conference', async () => {
    const other = await makeAgent(ctx.db.pool, { queueIds: [billing.id] });
    const { call } = await incomingCall('+14155550332');
    // the caller and the agent talk in the call's conference
    const firstLeg = sid('CA');
    const confName = `hub-call-${call.id}-test`;
    const confSid = api.conferenceJoined(confName, call.call_sid, 'customer');
    api.conferenceJoined(confName, firstLeg, `agent-${agent.id}`);
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [call.case_id, agent.id]);
    await ctx.db.pool.query(`UPDATE calls SET state = 'in_progress', agent_id = $2, agent_call_sid = $3, conference_name = $4, conference_sid = $5 WHERE id = $1`, [call.id, agent.id, firstLeg, confName, confSid]);
    const cold = await ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/transfer`, headers: auth(agentToken), payload: { mode: 'cold', toQueueId: billing.id } });
    expect(cold.statusCode).toBe(200);
    const redirect = api.find(new RegExp(`Calls/${call.call_sid}\\.json$`)).at(-1)!;
    expect(redirect.form.Url).toBe(`${PUB}/webhooks/twilio/voice/requeue?callId=${call.id}`);
    const hold = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/requeue?callId=${call.id}`, { CallSid: call.call_sid })).body);
    expect(find(hold, 'Enqueue').text).toBe(`hub-queue-${billing.id}`);
    expect((await q(`SELECT queue_id, assignee_id, routing_state FROM cases WHERE id = $1`, [call.case_id]))[0]).toEqual({ queue_id: billing.id, assignee_id: null, routing_state: 'waiting' });
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'transferred'`, [call.case_id]))[0].n).toBe(1);
    // the caller left the conference, which ended it: the first agent's leg ends with 40 s of talk, the caller stays on hold
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, { CallSid: firstLeg, CallStatus: 'completed', CallDuration: '40' });
    expect(api.find(new RegExp(`Calls/${call.call_sid}\\.json$`))).toHaveLength(1);
    expect((await q(`SELECT state, talk_seconds FROM calls WHERE id = $1`, [call.id]))[0]).toEqual({ state: 'queued', talk_seconds: 40 });
    // the next agent talks for 60 s in a new conference: the call's talk time is the sum of both conversations
    await voiceChannel.onAssigned!(sendCtx(), { caseId: call.case_id, agentId: other.id });
    const next = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/connect?callId=${call.id}&agentId=${other.id}`, { CallSid: call.call_sid })).body);
    expect(find(next, 'Conference').text).not.toBe(confName);
    const joined = await callerJoinsConference(ctx.app, api, next, call.call_sid);
    const nextLeg = joined.participants.get(`agent-${other.id}`)!.call_sid;
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${other.id}`, { CallSid: nextLeg, CallStatus: 'in-progress' });
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${other.id}`, { CallSid: nextLeg, CallStatus: 'completed', CallDuration: '60' });
    const end = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/dial-done?callId=${call.id}&agentId=${other.id}`, { CallSid: call.call_sid, DialCallStatus: 'completed' })).body);
    find(end, 'Hangup');
    expect((await q(`SELECT talk_seconds FROM calls WHERE id = $1`, [call.id]))[0].talk_seconds).toBe(100);
    expect((await q(`SELECT metadata->>'talkSeconds' AS t FROM interactions WHERE id = $1`, [call.interaction_id]))[0].t).toBe('100');
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '130' });

    // warm: the other agent is rung into the same conference; the first agent's hang-up no longer ends it
    const second = await incomingCall('+14155550333');
    const agentLeg = sid('CA');
    const name2 = `hub-call-${second.call.id}-test`;
    const conf2 = api.conferenceJoined(name2, second.call.call_sid, 'customer');
    api.conferenceJoined(name2, agentLeg, `agent-${agent.id}`);
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [second.call.case_id, agent.id]);
    await ctx.db.pool.query(`UPDATE calls SET state = 'in_progress', agent_id = $2, agent_call_sid = $3, conference_name = $4, conference_sid = $5 WHERE id = $1`, [second.call.id, agent.id, agentLeg, name2, conf2]);
    const warm = await ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${second.call.id}/transfer`, headers: auth(agentToken), payload: { mode: 'warm', toAgentId: other.id } });
    expect(warm.statusCode).toBe(200);
    expect(api.find(new RegExp(`Calls/${second.call.call_sid}\\.json$`))).toHaveLength(0);
    expect(api.find(new RegExp(`^POST .*/Conferences/${conf2}/Participants/${agentLeg}\\.json$`)).at(-1)!.form).toMatchObject({ EndConferenceOnExit: 'false' });
    const ring = api.find(new RegExp(`^POST .*/Conferences/${conf2}/Participants\\.json$`)).at(-1)!;
    expect(ring.form).toMatchObject({ To: `client:agent-${other.id}`, Label: `agent-${other.id}`, EndConferenceOnExit: 'true' });
    expect((await q(`SELECT assignee_id FROM cases WHERE id = $1`, [second.call.case_id]))[0].assignee_id).toBe(other.id);
    const targetLeg = [...api.conferences.get(conf2)!.participants.values()].find((p) => p.label === `agent-${other.id}`)!.call_sid;
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${second.call.id}&agentId=${other.id}`, { CallSid: targetLeg, CallStatus: 'in-progress' });
    expect((await q(`SELECT state, agent_id, agent_call_sid FROM calls WHERE id = $1`, [second.call.id]))[0]).toEqual({ state: 'in_progress', agent_id: other.id, agent_call_sid: targetLeg });
    // the first agent leaves after the hand-over: their talk time counts, the call goes on
    await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${second.call.id}&agentId=${agent.id}`, { CallSid: agentLeg, CallStatus: 'completed', CallDuration: '50' });
    expect((await q(`SELECT state, talk_seconds FROM calls WHERE id = $1`, [second.call.id]))[0]).toEqual({ state: 'in_progress', talk_seconds: 50 });

    const notLive = await ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/transfer`, headers: auth(agentToken), payload: { mode: 'cold', toQueueId: support.id } });
    expect(notLive.statusCode).toBe(409);
  });
});

describe('phone number settings', () => {
  it('each number names its voice and SMS provider; one not configured on this server is refused with what to set', async () => {
    const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken), payload });
    const providers = await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/phone-numbers/providers', headers: auth(adminToken) });
    expect(providers.json()).toEqual({
      voice: [{ name: 'twilio', configured: true }, { name: 'asterisk', configured: false }],
      sms: [{ name: 'twilio', configured: true }, { name: 'kavenegar', configured: false }],
      defaultVoiceProvider: 'twilio', asteriskApp: null,
    });
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/phone-numbers/providers', headers: auth(agentToken) })).statusCode).toBe(403);
    const pbx = await post({ e164: '+14155550410', voiceProvider: 'asterisk' });
    expect(pbx.statusCode).toBe(400);
    expect(pbx.json().message).toMatch(/ASTERISK_ARI_URL/);
    expect(pbx.json().details).toEqual([{ field: 'voiceProvider', reason: 'asterisk is not configured' }]);
    const kv = await post({ e164: '+982188776610', smsProvider: 'kavenegar', smsSender: '10004346' });
    expect(kv.statusCode).toBe(400);
    expect(kv.json().message).toMatch(/KAVENEGAR_API_KEY/);
    expect((await post({ e164: '+14155550411', voiceProvider: 'pbx' })).statusCode).toBe(400);
    expect((await q(`SELECT 1 FROM phone_numbers WHERE e164 IN ('+14155550410', '+982188776610', '+14155550411')`))).toEqual([]);
    // Twilio, named or not
    const named = await post({ e164: '+14155550412', voiceProvider: 'twilio' });
    expect(named.statusCode).toBe(201);
    expect(named.json()).toMatchObject({ voiceProvider: 'twilio', smsProvider: 'twilio' });
    const list = (await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken) })).json() as { e164: string; voiceProvider: string }[];
    expect(list.every((n) => n.voiceProvider === 'twilio')).toBe(true);
    await ctx.app.inject({ method: 'DELETE', url: `/api/v1/admin/phone-numbers/${named.json().id}`, headers: auth(adminToken) });
  });


  it('validates numbers, menus and business hours and is admin-only', async () => {
    const post = (payload: object, t = adminToken) => ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(t), payload });
    expect((await post({ e164: '+14155550400' }, agentToken)).statusCode).toBe(403);
    const dup = await post({ e164: MAIN });
    expect(dup.statusCode).toBe(409);
    const tz = await post({ e164: '+14155550401', businessHours: { timezone: 'Mars/Olympus', weekly: {} } });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().message).toMatch(/time zone/);
    const digits = await post({ e164: '+14155550402', ivr: { options: [{ digit: '1', queueId: support.id }, { digit: '1', queueId: billing.id }] } });
    expect(digits.statusCode).toBe(400);
    const queue = await post({ e164: '+14155550403', queueId: 999999 });
    expect(queue.statusCode).toBe(400);
    const order = await post({ e164: '+14155550404', businessHours: { timezone: 'UTC', weekly: { mon: [['17:00', '09:00']] } } });
    expect(order.statusCode).toBe(400);
    const ok = await post({ e164: '(415) 555-0405', businessHours: { timezone: 'Asia/Tehran', weekly: { sat: [['08:00', '17:00']] } } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().e164).toBe('+14155550405');
    const id = ok.json().id;
    const put = await ctx.app.inject({ method: 'PUT', url: `/api/v1/admin/phone-numbers/${id}`, headers: auth(adminToken), payload: { e164: '+14155550405', queueId: billing.id, defaultLanguage: 'fa', greeting: { fa: 'https://cdn.example.test/fa-greeting.mp3' } } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ queueId: billing.id, defaultLanguage: 'fa', businessHours: null });
    // a new caller on that number hears the recorded Persian greeting and lands on its queue
    const { twiml, call } = await incomingCall('+14155550406', '+14155550405');
    expect(find(twiml, 'Play').text).toBe('https://cdn.example.test/fa-greeting.mp3');
    expect(call.queue_id).toBe(billing.id);
    const list = await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken) });
    expect(list.json().map((n: { e164: string }) => n.e164)).toContain('+14155550405');
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/v1/admin/phone-numbers/${id}`, headers: auth(adminToken) })).statusCode).toBe(204);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/v1/admin/phone-numbers/${id}`, headers: auth(adminToken) })).statusCode).toBe(404);
    expect((await q(`SELECT action FROM audit_log WHERE entity = 'phone_number' AND entity_id = $1 ORDER BY id`, [String(id)])).map((r) => r.action)).toEqual([
      'phone_number.create', 'phone_number.update', 'phone_number.delete',
    ]);
  });
});
