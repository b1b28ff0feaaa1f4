import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, find, findAll, parseTwiml, postTwilio, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { callerJoinsConference, participantsOf } from '../helpers/twilio-conference.js';
import { voiceChannel } from '../../server/src/channels/voice/index.js';

// Live call monitoring on Twilio: the caller and the agent talk in a conference, and a supervisor joins it as a
// participant — muted (listen), coaching the agent (whisper) or plainly (barge) — through the Participants resource.

let ctx: TestContext;
let api: TwilioApiServer;
let agent: { id: number; email: string; password: string };
let sup: { id: number; email: string; password: string };
let agentToken: string;
let supToken: string;
let queueId: number;
const MAIN = '+14155550400';
const PUB = TWILIO_TEST.publicUrl;

const login = async (a: { email: string; password: string }) =>
  (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token as string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;
const monitor = (callId: number, token: string, mode: string) => ctx.app.inject({ method: 'POST', url: `/api/v1/voice/calls/${callId}/monitor`, headers: auth(token), payload: { mode } });
const liveCalls = async () => (await ctx.app.inject({ method: 'GET', url: '/api/v1/voice/calls/live', headers: auth(supToken) })).json();
const auditRows = (callId: number) => q(`SELECT actor_id, action, before, after FROM audit_log WHERE entity = 'call' AND entity_id = $1 ORDER BY id`, [String(callId)]);

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(
    twilioEnv(api.url, { TWILIO_API_KEY_SID: 'SK' + 'a'.repeat(32), TWILIO_API_KEY_SECRET: 'api-key-secret-for-tests', TWILIO_TWIML_APP_SID: 'AP' + 'b'.repeat(32) }),
  );
  queueId = (await makeQueue(ctx.db.pool, { name: 'support', channels: ['voice'] })).id;
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  const adminToken = await login(admin);
  agent = await makeAgent(ctx.db.pool, { queueIds: [queueId] });
  sup = await makeAgent(ctx.db.pool, { role: 'supervisor', name: 'Sara Supervisor' });
  agentToken = await login(agent);
  supToken = await login(sup);
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: auth(adminToken), payload: { e164: MAIN, queueId } });
  expect(r.statusCode).toBe(201);
});
afterAll(async () => {
  await ctx?.close();
  await api?.close();
});

/** A caller reaches the agent: queued, accepted, redirected into a conference, the agent's browser answers. */
async function liveCall(from: string) {
  const p = { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: from, To: MAIN, CallStatus: 'ringing', Direction: 'inbound' };
  expect((await postTwilio(ctx.app, '/webhooks/twilio/voice', p)).statusCode).toBe(200);
  const call = (await q(`SELECT * FROM calls WHERE call_sid = $1`, [p.CallSid]))[0];
  await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [call.case_id, agent.id]);
  await voiceChannel.onAssigned!({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }) }, { caseId: call.case_id, agentId: agent.id });
  const connect = parseTwiml((await postTwilio(ctx.app, `/webhooks/twilio/voice/connect?callId=${call.id}&agentId=${agent.id}`, { CallSid: p.CallSid, CallStatus: 'in-progress' })).body);
  const joined = await callerJoinsConference(ctx.app, api, connect, p.CallSid);
  const agentLeg = joined.participants.get(`agent-${agent.id}`)!.call_sid;
  await postTwilio(ctx.app, `/webhooks/twilio/voice/agent-leg?callId=${call.id}&agentId=${agent.id}`, { CallSid: agentLeg, CallStatus: 'in-progress' });
  return { p, call, connect, conferenceSid: joined.conferenceSid, agentLeg };
}

describe('a supervisor monitors a live Twilio call', () => {
  it('listen adds them muted, whisper coaches the agent, barge unmutes; stopping removes them; each step is audited', async () => {
    const { call, conferenceSid, agentLeg } = await liveCall('+14155550411');
    expect((await q(`SELECT state, conference_sid FROM calls WHERE id = $1`, [call.id]))[0]).toEqual({ state: 'in_progress', conference_sid: conferenceSid });

    // the wallboard lists the call with its agent, nobody monitoring yet
    const listed = (await liveCalls()).find((c: { id: number }) => c.id === call.id);
    expect(listed).toMatchObject({ caseId: call.case_id, provider: 'twilio', state: 'in_progress', agentId: agent.id, monitorable: true, monitors: [] });

    const listen = await monitor(call.id, supToken, 'listen');
    expect(listen.statusCode, listen.body).toBe(200);
    const supervisorsAdded = () =>
      api.find(new RegExp(`^POST /2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Conferences/${conferenceSid}/Participants\\.json$`)).filter((r) => r.form.Label === `supervisor-${sup.id}`);
    const created = supervisorsAdded();
    expect(created).toHaveLength(1);
    expect(created[0]!.form).toMatchObject({
      To: `client:agent-${sup.id}`, Label: `supervisor-${sup.id}`, Muted: 'true', Coaching: 'false', Beep: 'false',
      StartConferenceOnEnter: 'false', EndConferenceOnExit: 'false',
      StatusCallback: `${PUB}/webhooks/twilio/voice/monitor-leg?callId=${call.id}&supervisorId=${sup.id}`,
    });
    const supLeg = participantsOf(api, conferenceSid).get(`supervisor-${sup.id}`)!;
    expect(listen.json()).toEqual({ callId: call.id, mode: 'listen', legId: supLeg.call_sid });
    expect((await liveCalls()).find((c: { id: number }) => c.id === call.id).monitors).toEqual([
      expect.objectContaining({ supervisorId: sup.id, supervisorName: 'Sara Supervisor', mode: 'listen' }),
    ]);

    // whisper: the same participant now coaches the agent (the customer does not hear it)
    const whisper = await monitor(call.id, supToken, 'whisper');
    expect(whisper.statusCode, whisper.body).toBe(200);
    const update = new RegExp(`^POST .*/Conferences/${conferenceSid}/Participants/${supLeg.call_sid}\\.json$`);
    expect(api.find(update).at(-1)!.form).toMatchObject({ Coaching: 'true', CallSidToCoach: agentLeg, Muted: 'false' });
    expect(participantsOf(api, conferenceSid).get(`supervisor-${sup.id}`)).toMatchObject({ coaching: true, call_sid_to_coach: agentLeg, muted: false });

    // barge: a plain participant, heard by both
    expect((await monitor(call.id, supToken, 'barge')).statusCode).toBe(200);
    expect(api.find(update).at(-1)!.form).toMatchObject({ Coaching: 'false', Muted: 'false' });
    expect(participantsOf(api, conferenceSid).get(`supervisor-${sup.id}`)).toMatchObject({ coaching: false, muted: false });
    expect(supervisorsAdded()).toHaveLength(1);

    // stop: the supervisor's participant is removed; the call goes on
    const stop = await ctx.app.inject({ method: 'DELETE', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: auth(supToken) });
    expect(stop.statusCode).toBe(204);
    expect(api.find(new RegExp(`^DELETE .*/Conferences/${conferenceSid}/Participants/${supLeg.call_sid}\\.json$`))).toHaveLength(1);
    expect((await liveCalls()).find((c: { id: number }) => c.id === call.id)).toMatchObject({ state: 'in_progress', monitors: [] });
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: auth(supToken) })).statusCode).toBe(404);

    expect(await auditRows(call.id)).toEqual([
      { actor_id: sup.id, action: 'call.monitor_start', before: null, after: { mode: 'listen', legId: supLeg.call_sid, supervisorId: sup.id } },
      { actor_id: sup.id, action: 'call.monitor_mode', before: { mode: 'listen', legId: supLeg.call_sid }, after: { mode: 'whisper', legId: supLeg.call_sid, supervisorId: sup.id } },
      { actor_id: sup.id, action: 'call.monitor_mode', before: { mode: 'whisper', legId: supLeg.call_sid }, after: { mode: 'barge', legId: supLeg.call_sid, supervisorId: sup.id } },
      { actor_id: sup.id, action: 'call.monitor_end', before: { mode: 'barge', legId: supLeg.call_sid }, after: { reason: 'stopped', supervisorId: sup.id } },
    ]);
  });

  it('whispering straight away coaches the agent’s leg; a supervisor who hangs up, or the call ending, ends the monitor', async () => {
    const { p, call, conferenceSid, agentLeg } = await liveCall('+14155550412');
    expect((await monitor(call.id, supToken, 'whisper')).statusCode).toBe(200);
    const first = participantsOf(api, conferenceSid).get(`supervisor-${sup.id}`)!;
    expect(first).toMatchObject({ coaching: true, call_sid_to_coach: agentLeg, muted: false });
    // the supervisor hangs up their browser
    const hungUp = { CallSid: first.call_sid, CallStatus: 'completed', CallDuration: '12' };
    await postTwilio(ctx.app, `/webhooks/twilio/voice/monitor-leg?callId=${call.id}&supervisorId=${sup.id}`, hungUp);
    await postTwilio(ctx.app, `/webhooks/twilio/voice/monitor-leg?callId=${call.id}&supervisorId=${sup.id}`, hungUp);
    expect((await liveCalls()).find((c: { id: number }) => c.id === call.id).monitors).toEqual([]);
    // listening again is a new participant; the call's end ends it
    api.conferences.get(conferenceSid)!.participants.get(first.call_sid)!.status = 'complete';
    expect((await monitor(call.id, supToken, 'listen')).statusCode).toBe(200);
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: p.CallSid, CallStatus: 'completed', CallDuration: '90' });
    expect((await q(`SELECT count(*)::int AS n FROM call_monitors WHERE call_id = $1 AND ended_at IS NULL`, [call.id]))[0].n).toBe(0);
    expect((await auditRows(call.id)).map((a) => [a.action, a.after.reason ?? a.after.mode])).toEqual([
      ['call.monitor_start', 'whisper'],
      ['call.monitor_end', 'hung_up'],
      ['call.monitor_start', 'listen'],
      ['call.monitor_end', 'call_ended'],
    ]);
  });

  it('is refused to agents (403), and to calls that are not live (409)', async () => {
    const { call } = await liveCall('+14155550413');
    const before = api.find(/Participants/).length;
    const refused = await monitor(call.id, agentToken, 'listen');
    expect(refused.statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/voice/calls/live', headers: auth(agentToken) })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/v1/voice/calls/${call.id}/monitor`, headers: auth(agentToken) })).statusCode).toBe(403);
    expect(api.find(/Participants/)).toHaveLength(before);
    expect(await auditRows(call.id)).toEqual([]);

    // a caller still waiting in the queue has no conversation to listen to
    const waiting = { CallSid: sid('CA'), AccountSid: TWILIO_TEST.accountSid, From: '+14155550414', To: MAIN, CallStatus: 'ringing' };
    await postTwilio(ctx.app, '/webhooks/twilio/voice', waiting);
    const queued = (await q(`SELECT id FROM calls WHERE call_sid = $1`, [waiting.CallSid]))[0];
    const notLive = await monitor(queued.id, supToken, 'listen');
    expect(notLive.statusCode).toBe(409);
    expect(notLive.json().message).toMatch(/queued/);
    await postTwilio(ctx.app, '/webhooks/twilio/voice/status', { CallSid: call.call_sid, CallStatus: 'completed', CallDuration: '30' });
    expect((await monitor(call.id, supToken, 'barge')).statusCode).toBe(409);
    expect(api.find(/Participants/)).toHaveLength(before);
  });

  it('a Persian caller connecting to the conference hears only recordings', async () => {
    const { connect } = await liveCall('+989121112240');
    expect(findAll(connect, 'Say')).toHaveLength(0);
    expect(find(connect, 'Play').text).toBe(`${PUB}/voice-prompts/fa/connecting.wav`);
    expect(find(connect, 'Conference').attrs.participantLabel).toBe('customer');
  });
});
