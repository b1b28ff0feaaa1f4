import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createHarness, type AgentClient, type Harness } from '../helpers/routing-harness.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, find, parseTwiml, postTwilio, sid, twilioEnv, waitFor } from '../helpers/twilio-signing.js';
import { callerJoinsConference } from '../helpers/twilio-conference.js';
import { startLifecycleWorker } from '../../workers/src/processors/lifecycle.js';
import { localDiskStore } from '../../server/src/storage/attachment-store.js';
import type { CallUpdatedPayload } from '../../server/src/contracts/realtime.js';
import { kpiSummary } from '../../server/src/kpi/historical.js';

// The whole path of a phone call through the hub, with the real router, the lifecycle worker that runs the voice
// adapter's onAssigned, an agent connected over Socket.IO, and the Twilio REST API stood in for locally.
let h: Harness;
let api: TwilioApiServer;
let agent: AgentClient;
let stopLifecycle: () => Promise<void>;
let conn: Redis;
const NUMBER = '+14155550500';
const PUB = TWILIO_TEST.publicUrl;
let queueId: number;

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  h = await createHarness(twilioEnv(api.url));
  const q = await h.queue({ name: 'phones', channels: ['voice'] });
  queueId = q.id;
  await h.ctx.db.pool.query(`UPDATE queues SET max_wait_seconds = 300 WHERE id = $1`, [q.id]);
  await h.ctx.db.pool.query(`INSERT INTO phone_numbers (e164, queue_id) VALUES ($1, $2)`, [NUMBER, q.id]);
  agent = await h.agent({ queueIds: [q.id], available: true });
  await h.ctx.db.pool.query(`UPDATE agents SET phone = '+14155550998' WHERE id = $1`, [agent.id]);
  conn = new Redis(h.ctx.config.redisUrl, { maxRetriesPerRequest: null });
  stopLifecycle = startLifecycleWorker({
    db: h.ctx.db.pool, config: h.ctx.config, store: localDiskStore(h.ctx.config.storageDir), log: pino({ level: 'silent' }),
    connection: conn, prefix: h.ctx.config.queuePrefix,
  });
});
afterAll(async () => {
  await stopLifecycle();
  conn.disconnect();
  await h.close();
  await api.close();
});

const q = async (sql: string, params: unknown[] = []) => (await h.ctx.db.pool.query(sql, params)).rows;
const app = () => h.ctx.app;

async function call(from: string) {
  const p = { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: from, To: NUMBER, CallStatus: 'ringing', Direction: 'inbound' };
  const r = await postTwilio(app(), '/webhooks/twilio/voice', p);
  expect(r.statusCode).toBe(200);
  const row = (await q(`SELECT * FROM calls WHERE call_sid = $1`, [p.CallSid]))[0];
  return { p, twiml: parseTwiml(r.body), row };
}

/** Counts that must not move when Twilio repeats a webhook. */
async function snapshot(caseId: number) {
  return (
    await q(
      `SELECT (SELECT count(*) FROM calls)::int AS calls, (SELECT count(*) FROM cases)::int AS cases,
              (SELECT count(*) FROM interactions)::int AS interactions, (SELECT count(*) FROM offers)::int AS offers,
              (SELECT count(*) FROM case_events WHERE case_id = $1)::int AS events,
              (SELECT count(*) FROM call_recordings)::int AS recordings`,
      [caseId],
    )
  )[0];
}

describe('a phone call from ring to hang-up', () => {
  it('inbound → queued → offered over the socket → accepted → redirected into a conference the agent is rung into → completed with talk time; repeats change nothing', async () => {
    const { p, twiml, row } = await call('+14155550601');
    expect(find(twiml, 'Enqueue').attrs.waitUrl).toBe(`${PUB}/webhooks/twilio/voice/wait?callId=${row.id}`);

    const offer = await agent.nextOffer((o) => o.case.id === row.case_id, 5000);
    expect(offer.case.channel).toBe('voice');
    const ack = await agent.accept(offer.offerId);
    expect(ack).toEqual({ ok: true, caseId: row.case_id });

    // the lifecycle worker ran the voice adapter: the queued call is redirected through the REST API
    const redirect = await waitFor(async () => api.find(new RegExp(`Calls/${p.CallSid}\\.json$`))[0], 5000, 'REST redirect of the queued call');
    expect(redirect.form).toMatchObject({ Url: `${PUB}/webhooks/twilio/voice/connect?callId=${row.id}&agentId=${agent.id}`, Method: 'POST' });

    const connect = parseTwiml((await postTwilio(app(), `/webhooks/twilio/voice/connect?callId=${row.id}&agentId=${agent.id}`, { CallSid: p.CallSid, CallStatus: 'in-progress' })).body);
    const join = await callerJoinsConference(app(), api, connect, p.CallSid);
    expect([...join.participants.values()].filter((x) => x.label !== 'customer').map((x) => x.to).sort()).toEqual(['+14155550998', `client:agent-${agent.id}`]);

    const leg = join.participants.get(`agent-${agent.id}`)!.call_sid;
    await postTwilio(app(), `/webhooks/twilio/voice/agent-leg?callId=${row.id}&agentId=${agent.id}`, { CallSid: leg, CallStatus: 'in-progress' });
    await waitFor(async () => agent.events.find((e) => e.event === 'call:updated' && (e.payload as CallUpdatedPayload).state === 'in_progress'), 3000, 'call:updated in_progress to the agent');

    const legDone = { CallSid: leg, CallStatus: 'completed', CallDuration: '75' };
    await postTwilio(app(), `/webhooks/twilio/voice/agent-leg?callId=${row.id}&agentId=${agent.id}`, legDone);
    const done = { CallSid: p.CallSid, DialCallStatus: 'completed', DialCallDuration: '80' };
    await postTwilio(app(), `/webhooks/twilio/voice/dial-done?callId=${row.id}&agentId=${agent.id}`, done);
    const status = { CallSid: p.CallSid, CallStatus: 'completed', CallDuration: '100' };
    await postTwilio(app(), '/webhooks/twilio/voice/status', status);

    const after = (await q(`SELECT * FROM calls WHERE id = $1`, [row.id]))[0];
    expect(after).toMatchObject({ state: 'completed', outcome: 'answered', agent_id: agent.id, talk_seconds: 75, total_seconds: 100 });
    const c = (await q(`SELECT assignee_id, routing_state FROM cases WHERE id = $1`, [row.case_id]))[0];
    expect(c).toEqual({ assignee_id: agent.id, routing_state: 'assigned' });
    const talk = await q(`SELECT agent_id, data FROM case_events WHERE case_id = $1 AND data->>'call' = 'talk_time'`, [row.case_id]);
    expect(talk).toEqual([{ agent_id: agent.id, data: { call: 'talk_time', callId: row.id, talkSeconds: 75, totalTalkSeconds: 75, legSid: leg } }]);

    // Twilio repeats every one of those webhooks: nothing changes
    const before = await snapshot(row.case_id);
    await postTwilio(app(), '/webhooks/twilio/voice', p);
    await postTwilio(app(), `/webhooks/twilio/voice/agent-leg?callId=${row.id}&agentId=${agent.id}`, { CallSid: leg, CallStatus: 'in-progress' });
    await postTwilio(app(), `/webhooks/twilio/voice/agent-leg?callId=${row.id}&agentId=${agent.id}`, legDone);
    await postTwilio(app(), `/webhooks/twilio/voice/dial-done?callId=${row.id}&agentId=${agent.id}`, done);
    await postTwilio(app(), '/webhooks/twilio/voice/status', status);
    expect(await snapshot(row.case_id)).toEqual(before);
    expect((await q(`SELECT talk_seconds, state FROM calls WHERE id = $1`, [row.id]))[0]).toEqual({ talk_seconds: 75, state: 'completed' });
    expect(api.find(new RegExp(`Calls/${p.CallSid}\\.json$`))).toHaveLength(1);
  });

  it('a caller who hangs up while queued is abandoned and gets a callback case; a missed caller’s voicemail opens one too', async () => {
    // the agent is still on the first case (voice capacity 1), so these callers wait
    const hung = await call('+14155550602');
    const exit = { CallSid: hung.p.CallSid, QueueResult: 'hangup', QueueTime: '42' };
    await postTwilio(app(), `/webhooks/twilio/voice/queue-exit?callId=${hung.row.id}`, exit);
    const abandoned = await q(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [hung.row.case_id]);
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0].data.reason).toBe('abandoned');
    const hungCall = (await q(`SELECT * FROM calls WHERE id = $1`, [hung.row.id]))[0];
    expect(hungCall.outcome).toBe('abandoned');
    expect((await q(`SELECT type, routing_state, queue_id FROM cases WHERE id = $1`, [hungCall.callback_case_id]))[0]).toEqual({ type: 'callback', routing_state: 'waiting', queue_id: queueId });
    const s1 = await snapshot(hung.row.case_id);
    await postTwilio(app(), `/webhooks/twilio/voice/queue-exit?callId=${hung.row.id}`, exit);
    await postTwilio(app(), '/webhooks/twilio/voice/status', { CallSid: hung.p.CallSid, CallStatus: 'completed', CallDuration: '50' });
    await postTwilio(app(), '/webhooks/twilio/voice/status', { CallSid: hung.p.CallSid, CallStatus: 'completed', CallDuration: '50' });
    const s2 = await snapshot(hung.row.case_id);
    expect({ ...s2, events: s2.events }).toEqual(s1);

    const missed = await call('+14155550603');
    const vmTwiml = parseTwiml((await postTwilio(app(), `/webhooks/twilio/voice/queue-exit?callId=${missed.row.id}`, { CallSid: missed.p.CallSid, QueueResult: 'leave', QueueTime: '301' })).body);
    find(vmTwiml, 'Record');
    const recSid = sid('RE');
    const recording = { CallSid: missed.p.CallSid, RecordingSid: recSid, RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Recordings/${recSid}`, RecordingStatus: 'completed', RecordingDuration: '12' };
    const transcription = { CallSid: missed.p.CallSid, RecordingSid: recSid, TranscriptionSid: sid('TR'), TranscriptionStatus: 'completed', TranscriptionText: 'Please call me back about my bill.' };
    await postTwilio(app(), `/webhooks/twilio/voice/recording?callId=${missed.row.id}&kind=voicemail`, recording);
    await postTwilio(app(), `/webhooks/twilio/voice/transcription?callId=${missed.row.id}`, transcription);
    const missedCall = (await q(`SELECT * FROM calls WHERE id = $1`, [missed.row.id]))[0];
    expect(missedCall.outcome).toBe('missed');
    const vm = await q(`SELECT text, kind FROM interactions WHERE case_id = $1 AND kind = 'voicemail'`, [missedCall.callback_case_id]);
    expect(vm).toEqual([{ text: 'Voicemail: Please call me back about my bill.', kind: 'voicemail' }]);
    const s3 = await snapshot(missedCall.callback_case_id);
    await postTwilio(app(), `/webhooks/twilio/voice/recording?callId=${missed.row.id}&kind=voicemail`, recording);
    await postTwilio(app(), `/webhooks/twilio/voice/transcription?callId=${missed.row.id}`, transcription);
    await postTwilio(app(), `/webhooks/twilio/voice/queue-exit?callId=${missed.row.id}`, { CallSid: missed.p.CallSid, QueueResult: 'leave', QueueTime: '301' });
    expect(await snapshot(missedCall.callback_case_id)).toEqual(s3);

    // once the agent wraps up the first call, the callback cases are offered like any other voice case
    const first = (await q(`SELECT case_id FROM calls WHERE direction = 'inbound' AND outcome = 'answered' LIMIT 1`))[0];
    const solve = await app().inject({ method: 'POST', url: `/api/v1/cases/${first.case_id}/status`, headers: { authorization: `Bearer ${agent.token}` }, payload: { status: 'solved', resolutionNote: 'Answered on the phone' } });
    expect([200, 201]).toContain(solve.statusCode);
    const next = await agent.nextOffer((o) => o.case.type === 'callback', 5000);
    expect([hungCall.callback_case_id, missedCall.callback_case_id]).toContain(next.case.id);

    // the KPIs read these calls: AHT from the talk time, the hang-up (not the voicemail) as abandonment
    const kpi = await kpiSummary(h.ctx.db.pool, { from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000), channel: 'voice' });
    expect(kpi.ahtSeconds).toBe(75);
    expect(kpi.abandoned).toBe(1);
  });
});

describe('declined offers', () => {
  it('a declined call is offered to the next agent while the caller keeps waiting on hold, and connects to whoever accepts', async () => {
    const q2 = await h.queue({ name: 'second-line', channels: ['voice'] });
    const SECOND = '+14155550501';
    await h.ctx.db.pool.query(`INSERT INTO phone_numbers (e164, queue_id) VALUES ($1, $2)`, [SECOND, q2.id]);
    const a = await h.agent({ queueIds: [q2.id], available: true });
    const b = await h.agent({ queueIds: [q2.id], available: true });
    const p = { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: '+14155550610', To: SECOND, CallStatus: 'ringing', Direction: 'inbound' };
    await postTwilio(app(), '/webhooks/twilio/voice', p);
    const row = (await q(`SELECT * FROM calls WHERE call_sid = $1`, [p.CallSid]))[0];

    const first = await Promise.race([a.nextOffer((o) => o.case.id === row.case_id).then((o) => ({ o, who: a, other: b })), b.nextOffer((o) => o.case.id === row.case_id).then((o) => ({ o, who: b, other: a }))]);
    expect(await first.who.decline(first.o.offerId)).toEqual({ ok: true });
    // no REST call touched the caller: still in the Twilio queue with hold music
    expect(api.find(new RegExp(`Calls/${p.CallSid}\\.json$`))).toHaveLength(0);
    expect((await q(`SELECT state FROM calls WHERE id = $1`, [row.id]))[0].state).toBe('queued');
    const hold = parseTwiml((await postTwilio(app(), `/webhooks/twilio/voice/wait?callId=${row.id}`, { CallSid: p.CallSid, QueuePosition: '1', QueueTime: '25' })).body);
    find(hold, 'Play');

    const second = await first.other.nextOffer((o) => o.case.id === row.case_id, 5000);
    expect(await first.other.accept(second.offerId)).toEqual({ ok: true, caseId: row.case_id });
    const redirect = await waitFor(async () => api.find(new RegExp(`Calls/${p.CallSid}\\.json$`))[0], 5000, 'redirect to the accepting agent');
    expect(redirect.form.Url).toBe(`${PUB}/webhooks/twilio/voice/connect?callId=${row.id}&agentId=${first.other.id}`);

    // the agent still free is offered the next caller, who hangs up before the agent answers: the offer is withdrawn
    const p2 = { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: '+14155550611', To: SECOND, CallStatus: 'ringing', Direction: 'inbound' };
    await postTwilio(app(), '/webhooks/twilio/voice', p2);
    const row2 = (await q(`SELECT * FROM calls WHERE call_sid = $1`, [p2.CallSid]))[0];
    const offer2 = await first.who.nextOffer((o) => o.case.id === row2.case_id, 5000);
    await postTwilio(app(), `/webhooks/twilio/voice/queue-exit?callId=${row2.id}`, { CallSid: p2.CallSid, QueueResult: 'hangup', QueueTime: '6' });
    const gone = await waitFor(async () => first.who.rescinded.find((r) => r.offerId === offer2.offerId), 3000, 'offer:rescinded');
    expect(gone.reason).toBe('abandoned');
    expect((await first.who.accept(offer2.offerId)).ok).toBe(false);
    expect(api.find(new RegExp(`Calls/${p2.CallSid}\\.json$`))).toHaveLength(0);
  });
});
