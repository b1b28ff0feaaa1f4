import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createHarness, until, type AgentClient, type Harness } from '../helpers/routing-harness.js';
import { startAriStandIn, type AriStandIn } from '../helpers/ari-server.js';
import { startLifecycleWorker } from '../../workers/src/processors/lifecycle.js';
import { localDiskStore } from '../../server/src/storage/attachment-store.js';
import { startAsteriskApp } from '../../server/src/channels/voice/providers/asterisk/app.js';
import { kpiSummary } from '../../server/src/kpi/historical.js';
import type { CallUpdatedPayload } from '../../server/src/contracts/realtime.js';
import { makeAgent } from '../helpers/factories.js';
import { silentWav } from '../helpers/files.js';

// Calls carried by Asterisk: the hub's Stasis app on the ARI event socket of a local ARI stand-in, the real router,
// the lifecycle worker that connects accepted calls, and agents connected over the /agent socket.
let h: Harness;
let ari: AriStandIn;
let stopLifecycle: () => Promise<void>;
let conn: Redis;
let appRedis: Redis;
let app: ReturnType<typeof startAsteriskApp>;
const NUMBER = '+14155550700';
const QUIET = '+14155550701';
let queueId: number;
let quietQueueId: number;
let agent: AgentClient;

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** A recording of the hub's prompt set as Asterisk is told to play it: fetched over HTTP from the hub's public URL. */
const hub = (lang: string, key: string) => `sound:${h.ctx.config.publicUrl}/voice-prompts/${lang}/${key}.wav`;
const playsOn = (channelId: string, purpose = '') => ari.requestsMatching(new RegExp(`POST /ari/channels/${channelId.replace('.', '\\.')}/play/ch-pb-\\d+-${purpose}`));
const mediaOf = (r: { query: URLSearchParams }) => r.query.get('media')!.split(',');
const q = async (sql: string, params: unknown[] = []) => (await h.ctx.db.pool.query(sql, params)).rows;

function startApp() {
  return startAsteriskApp({
    db: h.ctx.db.pool,
    config: h.ctx.config,
    log,
    queues: h.ctx.app.queues,
    realtime: h.ctx.app.realtime,
    ingest: h.ctx.app.ingestDeps,
    redis: appRedis,
  });
}

beforeAll(async () => {
  ari = await startAriStandIn();
  h = await createHarness({
    ASTERISK_ARI_URL: ari.ariUrl,
    ASTERISK_ARI_USER: ari.user,
    ASTERISK_ARI_PASSWORD: ari.password,
    ASTERISK_SWEEP_MS: '100',
    ASTERISK_POSITION_PROMPT_SECONDS: '3600',
  });
  const qq = await h.queue({ name: 'pbx-line', channels: ['voice'] });
  queueId = qq.id;
  const quiet = await h.queue({ name: 'pbx-nobody', channels: ['voice'] });
  quietQueueId = quiet.id;
  await q(`UPDATE queues SET max_wait_seconds = 300 WHERE id = $1`, [queueId]);
  await q(`INSERT INTO phone_numbers (e164, queue_id, provider) VALUES ($1, $2, 'asterisk'), ($3, $4, 'asterisk')`, [NUMBER, queueId, QUIET, quietQueueId]);
  agent = await h.agent({ queueIds: [queueId], available: true });
  conn = new Redis(h.ctx.config.redisUrl, { maxRetriesPerRequest: null });
  appRedis = new Redis(h.ctx.config.redisUrl, { maxRetriesPerRequest: 1 });
  stopLifecycle = startLifecycleWorker({
    db: h.ctx.db.pool, config: h.ctx.config, store: localDiskStore(h.ctx.config.storageDir), log, connection: conn, prefix: h.ctx.config.queuePrefix,
  });
  app = startApp();
  await until(() => ari.sockets() === 1 && app.owner(), 'the Stasis app on the ARI event socket');
});

afterAll(async () => {
  await app?.close();
  await stopLifecycle?.();
  conn?.disconnect();
  appRedis?.disconnect();
  await h?.close();
  await ari?.close();
});

async function inbound(from: string, to = NUMBER) {
  const ch = ari.incomingCall({ from, to, name: 'Caller' });
  const call = await until(async () => (await q(`SELECT * FROM calls WHERE call_sid = $1`, [ch.id]))[0], 'the call row');
  return { ch, call };
}
const callRow = async (id: number) => (await q(`SELECT * FROM calls WHERE id = $1`, [id]))[0];
const agentLeg = (agentId: number, callId: number) =>
  until(() => ari.originated(`PJSIP/agent-${agentId}`).find((c) => c.appArgs[1] === String(callId)), `the agent ${agentId} endpoint rung for call ${callId}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A caller on NUMBER connected to `a` (offer accepted, endpoint answered). */
async function connected(a: AgentClient, from: string) {
  const { ch, call } = await inbound(from);
  const offer = await a.nextOffer((o) => o.case.id === call.case_id, 5000);
  expect(await a.accept(offer.offerId)).toEqual({ ok: true, caseId: call.case_id });
  const leg = await agentLeg(a.id, call.id);
  ari.answer(leg.id);
  await until(async () => (await callRow(call.id)).state === 'in_progress', 'the call in progress');
  return { ch, call, leg };
}

describe('an Asterisk call from ring to hang-up', () => {
  it('answered, queued on the number’s queue with greeting then hold music, offered, accepted, bridged to PJSIP/agent-<id>, recorded; the hang-up ends it with talk time in AHT', async () => {
    const { ch, call } = await inbound('+14155550801');
    expect(call).toMatchObject({ provider: 'asterisk', direction: 'inbound', state: 'queued', queue_id: queueId, customer_number: '+14155550801', our_number: NUMBER });
    expect(ari.channels.get(ch.id)!.state).toBe('Up');
    // greeting in the caller's language, then music on hold while they wait
    const greeting = await until(() => ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/play/`))[0], 'the greeting');
    expect(greeting.query.get('media')).toBe(hub('en', 'greeting'));
    expect(greeting.query.get('lang')).toBe('en');
    await until(() => ari.channels.get(ch.id)!.moh === 'default', 'hold music');
    const kase = (await q(`SELECT channel, routing_state, queue_id FROM cases WHERE id = $1`, [call.case_id]))[0];
    expect(kase).toEqual({ channel: 'voice', routing_state: expect.stringMatching(/waiting|offered/), queue_id: queueId });

    const offer = await agent.nextOffer((o) => o.case.id === call.case_id, 5000);
    expect(offer.case.channel).toBe('voice');
    expect(await agent.accept(offer.offerId)).toEqual({ ok: true, caseId: call.case_id });
    const leg = await agentLeg(agent.id, call.id);
    expect(leg.caller.number).toBe('+14155550801');
    // "connecting you to an agent" while their phone rings
    await until(() => playsOn(ch.id, 'hold-').find((r) => r.query.get('media') === hub('en', 'connecting')), 'the connecting prompt');
    expect((await callRow(call.id)).state).toBe('connecting');
    // the caller keeps hearing music until the agent picks up
    expect(ari.channels.get(ch.id)!.moh).toBe('default');
    ari.answer(leg.id);
    await until(async () => (await callRow(call.id)).state === 'in_progress', 'in progress');
    await until(() => agent.events.find((e) => e.event === 'call:updated' && (e.payload as CallUpdatedPayload).state === 'in_progress'), 'call:updated to the agent');
    const bridge = ari.bridges.get(`ch-bridge-${call.id}`)!;
    expect(bridge.channels.sort()).toEqual([ch.id, leg.id].sort());
    expect(ari.channels.get(ch.id)!.moh).toBeNull();
    const rec = [...ari.recordings.values()].find((r) => r.target_uri === `bridge:${bridge.id}`)!;
    expect(rec.state).toBe('recording');

    await sleep(1100);
    ari.hangup(ch.id);
    const done = await until(async () => ((await callRow(call.id)).state === 'completed' ? callRow(call.id) : null), 'the call completed');
    expect(done).toMatchObject({ outcome: 'answered', agent_id: agent.id });
    expect(done.talk_seconds).toBeGreaterThanOrEqual(1);
    expect(ari.channels.has(leg.id)).toBe(false); // the agent's phone was hung up too
    const talk = await q(`SELECT agent_id, data FROM case_events WHERE case_id = $1 AND data->>'call' = 'talk_time'`, [call.case_id]);
    expect(talk).toEqual([{ agent_id: agent.id, data: expect.objectContaining({ talkSeconds: done.talk_seconds, legSid: leg.id }) }]);
    // the recording is stored on the call and plays through the hub
    const stored = await until(async () => (await q(`SELECT * FROM call_recordings WHERE call_id = $1 AND kind = 'call'`, [call.id]))[0], 'the call recording');
    expect(stored.recording_sid).toBe(rec.name);
    const audio = await h.ctx.app.inject({ method: 'GET', url: `/api/v1/voice/recordings/${rec.name}`, headers: { authorization: `Bearer ${agent.token}` } });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.toString()).toContain(rec.name);
    // the agent wraps up (and the next tests can be offered calls)
    const solved = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${call.case_id}/status`, headers: { authorization: `Bearer ${agent.token}` }, payload: { status: 'solved', resolutionNote: 'done' } });
    expect([200, 201]).toContain(solved.statusCode);
    // AHT of the solved call is its talk time
    const kpi = await kpiSummary(h.ctx.db.pool, { from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000), channel: 'voice' });
    expect(kpi.ahtSeconds).toBe(done.talk_seconds);
  });

  it('a waiting caller hears their position; one who hangs up while queued is abandoned and gets a callback case', async () => {
    const { ch, call } = await inbound('+14155550802', QUIET);
    await until(() => ari.channels.get(ch.id)!.moh, 'hold music');
    // while waiting, the caller hears their position and estimated wait every ASTERISK_POSITION_PROMPT_SECONDS, then music again
    await q(`UPDATE calls SET provider_state = provider_state || '{"lastPositionAt": "2020-01-01T00:00:00Z"}' WHERE id = $1`, [call.id]);
    const position = await until(() => ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/play/ch-pb-${call.id}-hold-`))[1], 'the position prompt');
    // next in line; about three minutes (the default talk time, one agent's worth): "… about three minutes"
    expect(mediaOf(position)).toEqual([hub('en', 'positionNext'), hub('en', 'estimateBefore'), hub('en', 'num-3'), hub('en', 'estimateAfter')]);
    await until(() => ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/moh`)).length >= 2, 'hold music again');
    ari.hangup(ch.id);
    const done = await until(async () => ((await callRow(call.id)).state === 'completed' ? callRow(call.id) : null), 'the call completed');
    expect(done.outcome).toBe('abandoned');
    expect(await q(`SELECT data->>'reason' AS reason FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id])).toEqual([{ reason: 'abandoned' }]);
    const cb = (await q(`SELECT type, routing_state, queue_id, tags FROM cases WHERE id = $1`, [done.callback_case_id]))[0];
    expect(cb).toMatchObject({ type: 'callback', routing_state: 'waiting', queue_id: quietQueueId });
    expect((await q(`SELECT status FROM cases WHERE id = $1`, [call.case_id]))[0].status).toBe('solved');
  });

  it('past the queue’s maximum wait the caller is sent to voicemail; the message lands on a callback case with its recording', async () => {
    await q(`UPDATE queues SET max_wait_seconds = 1 WHERE id = $1`, [quietQueueId]);
    const { ch, call } = await inbound('+14155550803', QUIET);
    // the sweep claims the call, tells the caller and records after the beep
    const vm = await until(() => [...ari.recordings.values()].find((r) => r.target_uri === `channel:${ch.id}`), 'the voicemail recording', 8000);
    const intro = ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/play/ch-pb-${call.id}-voicemail-`))[0]!;
    expect(mediaOf(intro)).toEqual([hub('en', 'allBusy'), hub('en', 'leaveMessage')]);
    const recReq = ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/record`))[0]!;
    expect(Object.fromEntries(recReq.query)).toMatchObject({ format: 'wav', beep: 'true', terminateOn: '#', maxSilenceSeconds: '5' });
    const missed = await callRow(call.id);
    expect(missed).toMatchObject({ outcome: 'missed', state: 'voicemail' });
    await sleep(1000);
    ari.hangup(ch.id); // the caller says their message and hangs up: the recording finishes
    const inter = await until(async () => (await q(`SELECT * FROM interactions WHERE case_id = $1 AND kind = 'voicemail'`, [missed.callback_case_id]))[0], 'the voicemail on the callback case');
    expect(inter).toMatchObject({ provider: 'asterisk', provider_message_id: vm.name, direction: 'inbound' });
    expect(inter.metadata.voicemailUrl).toBe(`/api/v1/voice/recordings/${vm.name}`);
    expect((await q(`SELECT kind, duration_seconds FROM call_recordings WHERE recording_sid = $1`, [vm.name]))[0]).toEqual({ kind: 'voicemail', duration_seconds: vm.duration });
    expect((await q(`SELECT type FROM cases WHERE id = $1`, [missed.callback_case_id]))[0].type).toBe('callback');
    // waiting is not abandoning: no abandoned event for a caller we sent to voicemail
    expect(await q(`SELECT 1 FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id])).toEqual([]);
    await until(async () => (await callRow(call.id)).state === 'completed', 'the call completed');
    await q(`UPDATE queues SET max_wait_seconds = 300 WHERE id = $1`, [quietQueueId]);
  });
});

describe('menu and business hours', () => {
  it('a number with a menu plays it; the digit pressed picks the queue, no digit within the timeout the number’s queue', async () => {
    const sales = await h.queue({ name: 'pbx-sales', channels: ['voice'] });
    const MENU = '+14155550702';
    await q(
      `INSERT INTO phone_numbers (e164, queue_id, provider, ivr) VALUES ($1, $2, 'asterisk', $3)`,
      [MENU, quietQueueId, JSON.stringify({ timeoutSeconds: 1, options: [{ digit: '2', queueId: sales.id, label: { en: 'https://prompts.example.test/sales.wav' } }] })],
    );
    const { ch, call } = await inbound('+14155550811', MENU);
    expect(call.state).toBe('ivr');
    const menu = await until(() => ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/play/ch-pb-${call.id}-menu-`))[0], 'the menu');
    // the option's recorded label, then "press two" from the prompt set
    expect(mediaOf(menu)).toEqual([hub('en', 'greeting'), hub('en', 'menu'), 'sound:https://prompts.example.test/sales.wav', hub('en', 'optionPress'), hub('en', 'num-2')]);
    ari.dtmf(ch.id, '2');
    await until(async () => (await callRow(call.id)).state === 'queued', 'queued after the digit');
    expect((await callRow(call.id)).queue_id).toBe(sales.id);
    expect((await q(`SELECT queue_id, routing_state FROM cases WHERE id = $1`, [call.case_id]))[0]).toEqual({ queue_id: sales.id, routing_state: 'waiting' });
    await until(() => ari.channels.get(ch.id)!.moh, 'hold music');
    ari.dtmf(ch.id, '9'); // a digit once queued changes nothing
    await sleep(200);
    expect((await callRow(call.id)).queue_id).toBe(sales.id);
    ari.hangup(ch.id);

    const silent = await inbound('+14155550812', MENU);
    await until(async () => (await callRow(silent.call.id)).state === 'queued', 'queued after the menu timed out', 8000);
    expect((await callRow(silent.call.id)).queue_id).toBe(quietQueueId);
    ari.hangup(silent.ch.id);
    await until(async () => (await callRow(silent.call.id)).state === 'completed', 'completed');
  });

  it('outside business hours: the after-hours message, then voicemail, on a callback case', async () => {
    const CLOSED = '+14155550703';
    // open one minute a week, on a day that is not today: closed now
    const day = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 3) % 7];
    await q(`INSERT INTO phone_numbers (e164, queue_id, provider, business_hours) VALUES ($1, $2, 'asterisk', $3)`, [
      CLOSED, quietQueueId, JSON.stringify({ timezone: 'UTC', weekly: { [day]: [['03:00', '03:01']] } }),
    ]);
    const { ch, call } = await inbound('+14155550813', CLOSED);
    expect(call).toMatchObject({ state: 'voicemail' });
    const intro = await until(() => ari.requestsMatching(new RegExp(`POST /ari/channels/${ch.id.replace('.', '\\.')}/play/ch-pb-${call.id}-voicemail-`))[0], 'the after-hours message');
    expect(mediaOf(intro)).toEqual([hub('en', 'afterHours'), hub('en', 'leaveMessage')]);
    const vm = await until(() => [...ari.recordings.values()].find((r) => r.target_uri === `channel:${ch.id}`), 'the voicemail recording');
    ari.hangup(ch.id);
    const done = await until(async () => ((await callRow(call.id)).state === 'completed' && (await callRow(call.id)).callback_case_id ? callRow(call.id) : null), 'completed with a callback case');
    expect(done.outcome).toBe('after_hours');
    expect((await q(`SELECT provider_message_id FROM interactions WHERE case_id = $1 AND kind = 'voicemail'`, [done.callback_case_id]))[0].provider_message_id).toBe(vm.name);
    expect((await q(`SELECT tags FROM cases WHERE id = $1`, [done.callback_case_id]))[0].tags).toContain('after-hours');
  });
});

describe('a Persian caller on Asterisk hears the hub’s Persian recordings', () => {
  /** GETs a media URI's recording from the hub, as Asterisk's HTTP media cache would. */
  const fetchMedia = (media: string) => {
    const url = media.replace(/^sound:/, '');
    expect(url.startsWith(`${h.ctx.config.publicUrl}/voice-prompts/`)).toBe(true);
    return h.ctx.app.inject({ method: 'GET', url: url.slice(h.ctx.config.publicUrl.length) });
  };

  it('greeting (the number’s own upload), position with a number and the estimate are the hub’s fa recordings, served over HTTP', async () => {
    const FA = '+982188776600';
    const line = await h.queue({ name: 'pbx-fa', channels: ['voice'] });
    const admin = await makeAgent(h.ctx.db.pool, { role: 'admin' });
    const token = (await h.ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
    // the admin names Asterisk as the number's provider (ARI is configured here)
    const added = await h.ctx.app.inject({
      method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` },
      payload: { e164: FA, queueId: line.id, voiceProvider: 'asterisk', smsEnabled: false, defaultLanguage: 'fa' },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ voiceProvider: 'asterisk' });
    const id = added.json().id as number;
    const file = silentWav(8000);
    const up = await h.ctx.app.inject({ method: 'PUT', url: `/api/v1/admin/phone-numbers/${id}/prompts/fa/greeting`, headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' }, payload: file });
    expect(up.statusCode).toBe(200);

    const first = await inbound('+989121110001', FA);
    const second = await inbound('+989121110002', FA);
    const greeting = await until(() => playsOn(second.ch.id, 'hold-')[0], 'the greeting');
    expect(mediaOf(greeting)).toEqual([`sound:${up.json().custom.url}`]);
    expect(greeting.query.get('lang')).toBe('fa');
    const served = await fetchMedia(mediaOf(greeting)[0]!);
    expect(served.statusCode).toBe(200);
    expect(Buffer.compare(served.rawPayload, file)).toBe(0);

    // the second caller waits: "شما نفر دو در صف هستید", then "زمان انتظار شما حدود شش دقیقه است" (2 × the default 3 minutes, no agents)
    await until(() => ari.channels.get(second.ch.id)!.moh, 'hold music');
    await q(`UPDATE calls SET provider_state = provider_state || '{"lastPositionAt": "2020-01-01T00:00:00Z"}' WHERE id = $1`, [second.call.id]);
    const position = await until(() => playsOn(second.ch.id, 'hold-')[1], 'the position prompt');
    expect(mediaOf(position)).toEqual([
      hub('fa', 'positionBefore'), hub('fa', 'num-2'), hub('fa', 'positionAfter'),
      hub('fa', 'estimateBefore'), hub('fa', 'num-6'), hub('fa', 'estimateAfter'),
    ]);
    for (const m of mediaOf(position)) {
      const r = await fetchMedia(m);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('audio/wav');
      expect(r.rawPayload.toString('latin1', 8, 12)).toBe('WAVE');
    }
    // nothing a Persian caller heard was one of Asterisk's own (English) sound files or number sayings
    const heard = [...playsOn(first.ch.id), ...playsOn(second.ch.id)].flatMap(mediaOf);
    expect(heard.filter((m) => !m.startsWith(`sound:${h.ctx.config.publicUrl}/voice-prompts/`))).toEqual([]);

    for (const c of [first, second]) {
      ari.hangup(c.ch.id);
      await until(async () => (await callRow(c.call.id)).state === 'completed', 'completed');
    }
  });
});

describe('transfers and supervisors', () => {
  it('cold transfer to a queue: the agent leaves, the caller waits on hold and is bridged to whoever accepts next; each agent’s talk time counts', async () => {
    const q2 = await h.queue({ name: 'pbx-second', channels: ['voice'] });
    const b = await h.agent({ queueIds: [q2.id], available: true });
    const { ch, call, leg } = await connected(agent, '+14155550804');
    await sleep(1000);
    const r = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/transfer`, headers: { authorization: `Bearer ${agent.token}` }, payload: { mode: 'cold', toQueueId: q2.id } });
    expect(r.statusCode).toBe(200);
    await until(() => !ari.channels.has(leg.id), 'the first agent’s leg hung up');
    expect(ari.channels.get(ch.id)!.moh).toBe('default');
    await until(() => playsOn(ch.id, 'hold-').find((r) => r.query.get('media') === hub('en', 'transferHold')), 'the transfer-hold prompt');
    const offer = await b.nextOffer((o) => o.case.id === call.case_id, 5000);
    expect(await b.accept(offer.offerId)).toEqual({ ok: true, caseId: call.case_id });
    const legB = await agentLeg(b.id, call.id);
    ari.answer(legB.id);
    await until(async () => (await callRow(call.id)).agent_call_sid === legB.id && (await callRow(call.id)).state === 'in_progress', 'bridged to the second agent');
    expect(ari.bridges.get(`ch-bridge-${call.id}`)!.channels.sort()).toEqual([ch.id, legB.id].sort());
    expect(ari.channels.has(ch.id)).toBe(true); // the first agent leaving did not hang the caller up
    ari.hangup(legB.id); // the second agent ends the call
    await until(() => !ari.channels.has(ch.id), 'the caller hung up after the goodbye');
    await until(async () => (await callRow(call.id)).state === 'completed', 'completed');
    const talk = await q(`SELECT agent_id FROM case_events WHERE case_id = $1 AND data->>'call' = 'talk_time' ORDER BY id`, [call.case_id]);
    expect(talk.map((t) => t.agent_id)).toEqual([agent.id, b.id]);
    await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${call.case_id}/status`, headers: { authorization: `Bearer ${b.token}` }, payload: { status: 'solved', resolutionNote: 'done' } });
    await b.setPresence('offline');
  });

  it('warm transfer: the other agent is rung into the same bridge, all three talk, and the caller stays with them when the first agent leaves', async () => {
    const c = await h.agent({ queueIds: [queueId], available: true });
    await c.setPresence('away'); // not offered the next call; a transfer reaches them by name
    const { ch, call, leg } = await inbound('+14155550805').then(async ({ ch, call }) => {
      const offer = await until(async () => agent.open().find((o) => o.case.id === call.case_id), 'offer to the first agent');
      await agent.accept(offer.offerId);
      const l = await agentLeg(agent.id, call.id);
      ari.answer(l.id);
      await until(async () => (await callRow(call.id)).state === 'in_progress', 'in progress');
      return { ch, call, leg: l };
    });
    await c.setPresence('available');
    const r = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/transfer`, headers: { authorization: `Bearer ${agent.token}` }, payload: { mode: 'warm', toAgentId: c.id } });
    expect(r.statusCode).toBe(200);
    const legC = await agentLeg(c.id, call.id);
    expect(legC.appArgs[0]).toBe('warm');
    ari.answer(legC.id);
    await until(async () => ari.bridges.get(`ch-bridge-${call.id}`)!.channels.length === 3 && (await callRow(call.id)).agent_call_sid === legC.id, 'three in the bridge');
    expect((await callRow(call.id)).agent_id).toBe(c.id);
    ari.hangup(leg.id); // the first agent leaves after the introduction
    await until(async () => (await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND data->>'call' = 'talk_time'`, [call.case_id]))[0].n === 1, 'first agent’s talk time');
    expect(ari.channels.has(ch.id)).toBe(true);
    expect(ari.bridges.get(`ch-bridge-${call.id}`)!.channels.sort()).toEqual([ch.id, legC.id].sort());
    ari.hangup(ch.id);
    await until(async () => (await callRow(call.id)).state === 'completed', 'completed');
    expect(ari.channels.has(legC.id)).toBe(false);
    const talk = await q(`SELECT agent_id FROM case_events WHERE case_id = $1 AND data->>'call' = 'talk_time' ORDER BY id`, [call.case_id]);
    expect(talk.map((t) => t.agent_id)).toEqual([agent.id, c.id]);
    await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${call.case_id}/status`, headers: { authorization: `Bearer ${c.token}` }, payload: { status: 'solved', resolutionNote: 'done' } });
    await c.setPresence('offline');
  });

  it('a supervisor listens through a snoop channel on the agent’s leg, bridged to the supervisor’s own endpoint; agents cannot', async () => {
    const sup = await h.agent({ role: 'supervisor' });
    const { ch, call, leg } = await connected(agent, '+14155550806');
    const refused = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: { authorization: `Bearer ${agent.token}` }, payload: { mode: 'listen' } });
    expect(refused.statusCode).toBe(403);
    const r = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: { authorization: `Bearer ${sup.token}` }, payload: { mode: 'listen' } });
    expect(r.statusCode).toBe(200);
    const snoop = [...ari.channels.values()].find((c) => c.snoopOf === leg.id)!;
    expect(snoop).toMatchObject({ spy: 'both', whisper: 'none' });
    const supLeg = await until(() => ari.originated(`PJSIP/agent-${sup.id}`)[0], 'the supervisor’s endpoint rung');
    ari.answer(supLeg.id);
    await until(() => [...ari.bridges.values()].find((b) => b.channels.includes(supLeg.id) && b.channels.includes(snoop.id)), 'the supervisor bridged with the snoop');
    // the conversation itself is untouched
    expect(ari.bridges.get(`ch-bridge-${call.id}`)!.channels.sort()).toEqual([ch.id, leg.id].sort());
    ari.hangup(supLeg.id);
    await until(() => !ari.channels.has(snoop.id), 'the snoop channel ended with the supervisor');
    // whispering: the supervisor's voice goes only into what the agent hears
    const w = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: { authorization: `Bearer ${sup.token}` }, payload: { mode: 'whisper' } });
    expect(w.statusCode).toBe(200);
    const whisper = await until(() => [...ari.channels.values()].find((c) => c.snoopOf === leg.id), 'the whisper snoop');
    expect(whisper).toMatchObject({ spy: 'both', whisper: 'out' });
    const whisperLeg = await until(() => ari.originated(`PJSIP/agent-${sup.id}`).find((c) => c.id === w.json().legId), 'the supervisor rung again');
    ari.reject(whisperLeg.id, 19); // the supervisor does not pick up: the snoop goes away
    await until(() => !ari.channels.has(whisper.id), 'the unanswered whisper cleaned up');
    // barge, then a switch to listening: a new leg rings (the old one hangs up); stopping hangs up the current one
    const b = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: { authorization: `Bearer ${sup.token}` }, payload: { mode: 'barge' } });
    expect(b.statusCode, b.body).toBe(200);
    const bargeLeg = await until(() => ari.originated(`PJSIP/agent-${sup.id}`).find((c) => c.id === b.json().legId), 'the supervisor rung to barge');
    const l = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: { authorization: `Bearer ${sup.token}` }, payload: { mode: 'listen' } });
    expect(l.statusCode, l.body).toBe(200);
    expect(l.json().legId).not.toBe(bargeLeg.id);
    await until(() => !ari.channels.has(bargeLeg.id), 'the barge leg hung up on the switch');
    const listenLeg = await until(() => ari.originated(`PJSIP/agent-${sup.id}`).find((c) => c.id === l.json().legId), 'the supervisor rung to listen');
    const stop = await h.ctx.app.inject({ method: 'DELETE', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: { authorization: `Bearer ${sup.token}` } });
    expect(stop.statusCode).toBe(204);
    await until(() => !ari.channels.has(listenLeg.id), 'the listening leg hung up on stop');
    const audit = (await h.ctx.db.pool.query(`SELECT action, after FROM audit_log WHERE entity = 'call' AND entity_id = $1 ORDER BY id`, [String(call.id)])).rows;
    // (whether barging counts as a start or a switch depends on whether the rejected whisper leg's end was handled first)
    const asked = audit.filter((a) => a.action !== 'call.monitor_end');
    expect(asked.map((a) => a.after.mode)).toEqual(['listen', 'whisper', 'barge', 'listen']);
    expect(asked.at(-1)!.action).toBe('call.monitor_mode');
    expect(audit.at(-1)).toMatchObject({ action: 'call.monitor_end', after: { reason: 'stopped', supervisorId: sup.id } });
    expect(ari.channels.has(ch.id)).toBe(true);
    ari.hangup(ch.id);
    await until(async () => (await callRow(call.id)).state === 'completed', 'completed');
    await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${call.case_id}/status`, headers: { authorization: `Bearer ${agent.token}` }, payload: { status: 'solved', resolutionNote: 'done' } });
  });
});

describe('restarts', () => {
  it('one owner per Stasis app; a hub restarting mid-call re-attaches: hang-ups it missed are finished, live calls carry on', async () => {
    // a second node's app does not take the event socket while the first holds the lease
    const second = startApp();
    await sleep(400);
    expect(second.owner()).toBe(false);
    expect(ari.sockets()).toBe(1);
    await second.close();

    const talking = await connected(agent, '+14155550807');
    const waiting = await inbound('+14155550808', QUIET);
    await until(() => ari.channels.get(waiting.ch.id)!.moh, 'hold music');

    await app.close(); // the hub goes down mid-call
    await until(() => ari.sockets() === 0, 'the event socket closed');
    ari.hangup(waiting.ch.id); // nobody hears this hang-up
    await sleep(1000);
    expect((await callRow(waiting.call.id)).state).toBe('queued');

    app = startApp();
    // re-attached: the missed hang-up is an abandoned call with its callback case; the live call is untouched
    const gone = await until(async () => ((await callRow(waiting.call.id)).state === 'completed' ? callRow(waiting.call.id) : null), 'the missed hang-up handled');
    expect(gone.outcome).toBe('abandoned');
    expect(gone.callback_case_id).not.toBeNull();
    expect((await callRow(talking.call.id)).state).toBe('in_progress');
    expect(ari.channels.has(talking.ch.id) && ari.channels.has(talking.leg.id)).toBe(true);
    // and the new owner handles what happens next on that call
    ari.hangup(talking.leg.id);
    const done = await until(async () => ((await callRow(talking.call.id)).state === 'completed' ? callRow(talking.call.id) : null), 'the call ended by the new owner');
    expect(done.talk_seconds).toBeGreaterThanOrEqual(1);
    expect(ari.channels.has(talking.ch.id)).toBe(false);
    await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${talking.call.case_id}/status`, headers: { authorization: `Bearer ${agent.token}` }, payload: { status: 'solved', resolutionNote: 'done' } });
  });

  it('Asterisk restarting drops its calls: the app reconnects and finishes them (a waiting caller gets a callback case)', async () => {
    const waiting = await inbound('+14155550809', QUIET);
    await until(() => ari.channels.get(waiting.ch.id)!.moh, 'hold music');
    ari.restartAsterisk();
    const gone = await until(async () => ((await callRow(waiting.call.id)).state === 'completed' ? callRow(waiting.call.id) : null), 'the dropped call finished', 8000);
    expect(gone.outcome).toBe('abandoned');
    await until(() => ari.sockets() === 1, 'the event socket reopened');
  });
});

describe('click-to-call', () => {
  it('rings the agent’s endpoint, then the customer through the outbound endpoint; bridged, recorded, logged on the case as an outbound call', async () => {
    const prior = (await q(`SELECT case_id FROM calls WHERE customer_number = '+14155550801' ORDER BY id LIMIT 1`))[0];
    const r = await h.ctx.app.inject({ method: 'POST', url: '/api/v1/voice/calls', headers: { authorization: `Bearer ${agent.token}` }, payload: { caseId: prior.case_id } });
    expect(r.statusCode).toBe(201);
    const view = r.json();
    expect(view).toMatchObject({ direction: 'outbound', state: 'ringing', customerNumber: '+14155550801', agentId: agent.id });
    const agentSide = await until(() => ari.originated(`PJSIP/agent-${agent.id}`).find((c) => c.appArgs[0] === 'c2c-agent' && c.appArgs[1] === String(view.id)), 'the agent rung first');
    expect(ari.channels.has(view.callSid)).toBe(false); // the customer is rung only once the agent answers
    ari.answer(agentSide.id);
    const customer = await until(() => ari.channels.get(view.callSid), 'the customer rung');
    expect(customer.endpoint).toBe('PJSIP/14155550801@trunk');
    expect(customer.caller.number).toBe(NUMBER);
    ari.answer(customer.id);
    await until(async () => (await callRow(view.id)).state === 'in_progress', 'talking');
    expect(ari.bridges.get(`ch-bridge-${view.id}`)!.channels.sort()).toEqual([agentSide.id, customer.id].sort());
    await sleep(1000);
    ari.hangup(customer.id);
    const done = await until(async () => ((await callRow(view.id)).state === 'completed' ? callRow(view.id) : null), 'completed');
    expect(done).toMatchObject({ provider: 'asterisk', outcome: 'answered' });
    expect(done.talk_seconds).toBeGreaterThanOrEqual(1);
    expect(ari.channels.has(agentSide.id)).toBe(false);
    const inter = (await q(`SELECT direction, kind, delivery_status, provider FROM interactions WHERE id = $1`, [done.interaction_id]))[0];
    expect(inter).toEqual({ direction: 'outbound', kind: 'call', delivery_status: 'delivered', provider: 'asterisk' });
    await until(async () => (await q(`SELECT 1 FROM call_recordings WHERE call_id = $1 AND kind = 'call'`, [view.id])).length, 'the recording');
  });

  it('a customer who does not answer: busy is recorded, the agent’s leg is hung up', async () => {
    const prior = (await q(`SELECT case_id FROM calls WHERE customer_number = '+14155550801' ORDER BY id LIMIT 1`))[0];
    const view = (await h.ctx.app.inject({ method: 'POST', url: '/api/v1/voice/calls', headers: { authorization: `Bearer ${agent.token}` }, payload: { caseId: prior.case_id } })).json();
    const agentSide = await until(() => ari.originated(`PJSIP/agent-${agent.id}`).find((c) => c.appArgs[1] === String(view.id)), 'the agent rung');
    ari.answer(agentSide.id);
    const customer = await until(() => ari.channels.get(view.callSid), 'the customer rung');
    ari.reject(customer.id, 17);
    const done = await until(async () => ((await callRow(view.id)).state === 'completed' ? callRow(view.id) : null), 'completed');
    expect(done.outcome).toBe('busy');
    await until(() => !ari.channels.has(agentSide.id), 'the agent’s leg hung up');
  });
});

describe('an agent who does not answer', () => {
  it('an agent endpoint that rings out sends the caller back to waiting in their place, still on hold music', async () => {
    const { ch, call } = await inbound('+14155550810');
    await until(() => ari.channels.get(ch.id)!.moh, 'hold music');
    const offer = await agent.nextOffer((o) => o.case.id === call.case_id, 5000);
    await agent.accept(offer.offerId);
    const leg = await agentLeg(agent.id, call.id);
    ari.reject(leg.id, 19); // no answer
    await until(async () => (await q(`SELECT assignee_id FROM cases WHERE id = $1`, [call.case_id]))[0].assignee_id === null, 'the case unassigned');
    const c = (await q(`SELECT routing_state, date_trunc('milliseconds', first_queued_at) <= $2 AS kept_place FROM cases WHERE id = $1`, [call.case_id, call.queued_at]))[0];
    expect(['waiting', 'offered']).toContain(c.routing_state);
    expect(c.kept_place).toBe(true);
    expect(await callRow(call.id)).toMatchObject({ state: 'queued', agent_id: null });
    expect(ari.channels.get(ch.id)!.moh).toBe('default');
    await until(() => playsOn(ch.id, 'hold-').find((r) => r.query.get('media') === hub('en', 'agentNotReached')), 'the agent-not-reached prompt');
    expect(await q(`SELECT 1 FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [call.case_id])).toEqual([]);
  });
});
