import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import twilio from 'twilio';
import { HttpError, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams, Id } from '../../../schemas/common.js';
import { normaliseIdentity, InvalidIdentityError } from '../../../ingest/identity.js';
import { callById } from '../../../channels/voice/calls.js';
import { agentIdentity } from '../../../channels/voice/twiml-builders.js';
import { transferCaseForCall } from '../../../channels/voice/transfer-case.js';
import { voiceProvider, voiceProviderOf } from '../../../channels/voice/providers/index.js';
import { sipSettingsFor } from '../../../channels/voice/providers/asterisk/sip-credentials.js';
import { endMonitor, liveCalls, liveMonitor, recordMonitorAction } from '../../../channels/voice/monitors.js';
import { CallView, LiveCallView, MonitorModeT, MonitorResult, VoiceToken } from '../../../contracts/voice.js';
import { NAMESPACES, rooms } from '../../../contracts/realtime.js';

const TOKEN_TTL_SECONDS = 3600;

const view = (c: NonNullable<Awaited<ReturnType<typeof callById>>>) => ({
  id: c.id,
  callSid: c.call_sid,
  caseId: c.case_id,
  interactionId: c.interaction_id,
  direction: c.direction,
  state: c.state,
  outcome: c.outcome,
  agentId: c.agent_id,
  customerNumber: c.customer_number,
  talkSeconds: c.talk_seconds,
});

/** Agent-facing voice API: Voice SDK tokens, click-to-call, transfers, recordings; supervisors' live calls and monitoring. */
const voiceApi: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/voice/token',
    {
      schema: {
        tags: ['voice'],
        summary:
          'Browser phone credentials: an access token for the Twilio Voice JS SDK (VoiceGrant: incoming calls to this agent, outgoing through the TwiML app), or, with Asterisk, the SIP-over-WebSocket settings and password of the agent’s PJSIP endpoint',
        response: {
          200: VoiceToken,
          503: ErrorView,
        },
      },
    },
    async (req) => {
      const t = app.config.twilio;
      if (!t.accountSid || !t.apiKeySid || !t.apiKeySecret || !t.twimlAppSid) {
        // Calls from Asterisk: the browser registers as the agent's PJSIP endpoint over WebSocket instead.
        const sip = sipSettingsFor(app.config, req.agent!);
        if (sip) return { token: sip.password, identity: sip.sip.authorizationUser, ttlSeconds: TOKEN_TTL_SECONDS, sip: sip.sip };
        throw new HttpError(
          503,
          'browser calling is not configured: set TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID, or ASTERISK_SIP_WS_URL, ASTERISK_SIP_DOMAIN and ASTERISK_SIP_PASSWORD_SECRET',
        );
      }
      const identity = agentIdentity(req.agent!.id);
      const token = new twilio.jwt.AccessToken(t.accountSid, t.apiKeySid, t.apiKeySecret, { identity, ttl: TOKEN_TTL_SECONDS });
      token.addGrant(new twilio.jwt.AccessToken.VoiceGrant({ outgoingApplicationSid: t.twimlAppSid, incomingAllow: true }));
      return { token: token.toJwt(), identity, ttlSeconds: TOKEN_TTL_SECONDS };
    },
  );

  app.post(
    '/voice/calls',
    {
      schema: {
        tags: ['voice'],
        summary: 'Click-to-call: ring the agent’s phone, then the customer, bridged and logged on the case as an outbound call',
        body: Type.Object({ caseId: Id(), to: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })) }),
        response: { 201: CallView, 404: ErrorView, 422: ErrorView, 502: ErrorView },
      },
    },
    async (req, reply) => {
      const c = await app.db.query(`SELECT customer_id FROM cases WHERE id = $1`, [req.body.caseId]);
      if (!c.rowCount) throw notFound('case');
      let to = req.body.to ?? null;
      if (!to) {
        // The customer's own numbers first (the ones the destination policy lets us call).
        const id = await app.db.query(
          `SELECT value FROM customer_identities WHERE customer_id = $1 AND kind = 'phone' ORDER BY (origin = 'inbound') DESC, id LIMIT 1`,
          [c.rows[0].customer_id],
        );
        to = id.rows[0]?.value ?? null;
      }
      if (!to) throw new HttpError(422, 'the customer has no phone number; give one in "to"');
      try {
        to = normaliseIdentity('phone', to, app.config.twilio.defaultCountry);
      } catch (err) {
        if (err instanceof InvalidIdentityError) throw new HttpError(422, err.message, [{ field: 'to', reason: 'not a phone number' }]);
        throw err;
      }
      // the provider of the number the business calls from (Admin → Phone numbers), Twilio when none says otherwise
      const from = await app.db.query(`SELECT provider FROM phone_numbers WHERE voice_enabled ORDER BY id LIMIT 1`);
      const provider = voiceProvider(voiceProviderOf(app.config, from.rows[0]?.provider));
      const call = await provider.placeCall({ db: app.db, config: app.config, log: app.log }, { caseId: req.body.caseId, agentId: req.agent!.id, to });
      return reply.code(201).send(view(call));
    },
  );

  app.get(
    '/voice/calls',
    {
      schema: {
        tags: ['voice'],
        summary: 'Calls of a case, newest first, with their recordings',
        querystring: Type.Object({ caseId: Id() }),
        response: {
          200: Type.Array(
            Type.Intersect([
              CallView,
              Type.Object({
                recordings: Type.Array(Type.Object({ sid: Type.String(), kind: Type.String(), durationSeconds: Type.Union([Type.Integer(), Type.Null()]), player: Type.String() })),
              }),
            ]),
          ),
        },
      },
    },
    async (req) => {
      const calls = await app.db.query(`SELECT * FROM calls WHERE case_id = $1 OR callback_case_id = $1 ORDER BY id DESC`, [req.query.caseId]);
      const recs = await app.db.query(
        `SELECT call_id, recording_sid, kind, duration_seconds FROM call_recordings WHERE call_id = ANY($1) AND url IS NOT NULL ORDER BY id`,
        [calls.rows.map((c) => c.id)],
      );
      return calls.rows.map((c) => ({
        ...view(c),
        recordings: recs.rows
          .filter((r) => r.call_id === c.id)
          .map((r) => ({ sid: r.recording_sid, kind: r.kind, durationSeconds: r.duration_seconds, player: `/api/v1/voice/recordings/${r.recording_sid}` })),
      }));
    },
  );

  app.get('/voice/calls/:id', { schema: { tags: ['voice'], summary: 'A call and its state', params: IdParams, response: { 200: CallView, 404: ErrorView } } }, async (req) => {
    const call = await callById(app.db, req.params.id);
    if (!call) throw notFound('call');
    return view(call);
  });

  app.post(
    '/voice/calls/:id/transfer',
    {
      schema: {
        tags: ['voice'],
        summary: 'Transfer a live call: cold (the caller waits in the target queue / for the target agent) or warm (conference with the target agent)',
        params: IdParams,
        body: Type.Object({
          mode: Type.Union([Type.Literal('cold'), Type.Literal('warm')]),
          toAgentId: Type.Optional(Id()),
          toQueueId: Type.Optional(Id()),
        }),
        response: { 200: CallView, 400: ErrorView, 404: ErrorView, 409: ErrorView, 502: ErrorView },
      },
    },
    async (req) => {
      const b = req.body;
      if ((b.toAgentId == null) === (b.toQueueId == null)) throw new HttpError(400, 'give exactly one of toAgentId or toQueueId');
      if (b.mode === 'warm' && !b.toAgentId) throw new HttpError(400, 'a warm transfer needs toAgentId (the agent to talk to first)');
      const call = await callById(app.db, req.params.id);
      if (!call) throw notFound('call');
      if (!['in_progress', 'connecting'].includes(call.state)) throw new HttpError(409, `the call is ${call.state.replace('_', ' ')}; only a live call can be transferred`);
      if (call.agent_id !== req.agent!.id && !['supervisor', 'admin'].includes(req.agent!.role)) throw new HttpError(403, 'only the agent on the call or a supervisor can transfer it');
      // Cold: the case moves first (to the queue, or straight to the agent) and the caller waits for the new holder.
      await transferCaseForCall(app, { caseId: call.case_id, actorId: req.agent!.id, toAgentId: b.toAgentId, toQueueId: b.toQueueId });
      await voiceProvider(call.provider).transfer({ db: app.db, config: app.config, log: app.log }, call, { mode: b.mode, toAgentId: b.toAgentId, toQueueId: b.toQueueId });
      return view((await callById(app.db, call.id))!);
    },
  );

  app.get(
    '/voice/calls/live',
    {
      schema: {
        tags: ['voice'],
        summary: 'Supervisor: the live calls (waiting, ringing an agent, talking) with their agent and who is monitoring each',
        response: { 200: Type.Array(LiveCallView) },
      },
    },
    async () => liveCalls(app.db),
  );

  app.post(
    '/voice/calls/:id/monitor',
    {
      schema: {
        tags: ['voice'],
        summary:
          'Supervisor: listen to a live call, whisper to its agent, or join it (barge); the supervisor’s own browser or phone rings. Asked again while monitoring, switches the mode. Audited.',
        params: IdParams,
        body: Type.Object({ mode: MonitorModeT }),
        response: { 200: MonitorResult, 403: ErrorView, 404: ErrorView, 409: ErrorView, 422: ErrorView, 502: ErrorView },
      },
    },
    async (req) => {
      const call = await callById(app.db, req.params.id);
      if (!call) throw notFound('call');
      if (call.state !== 'in_progress') throw new HttpError(409, `the call is ${call.state.replace('_', ' ')}; only a live call with an agent can be monitored`);
      const supervisorId = req.agent!.id;
      const current = await liveMonitor(app.db, call.id, supervisorId);
      const r = await voiceProvider(call.provider).monitor({ db: app.db, config: app.config, log: app.log }, call, { mode: req.body.mode, supervisorId, current });
      await recordMonitorAction(app.db, { callId: call.id, supervisorId, mode: r.mode, legId: r.legId, previous: current, ip: req.ip });
      await app.realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'calls:monitors', payload: { callId: call.id } });
      return { callId: call.id, mode: r.mode, legId: r.legId };
    },
  );

  app.delete(
    '/voice/calls/:id/monitor',
    {
      schema: {
        tags: ['voice'],
        summary: 'Supervisor: stop monitoring a call (their leg leaves; the call goes on). Audited.',
        params: IdParams,
        response: { 204: Type.Null(), 404: ErrorView, 502: ErrorView },
      },
    },
    async (req, reply) => {
      const call = await callById(app.db, req.params.id);
      if (!call) throw notFound('call');
      const current = await liveMonitor(app.db, call.id, req.agent!.id);
      if (!current) throw notFound('monitor of this call by you');
      await voiceProvider(call.provider).endMonitor({ db: app.db, config: app.config, log: app.log }, call, current.legId);
      await endMonitor(app.db, current, { reason: 'stopped', ip: req.ip });
      await app.realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'calls:monitors', payload: { callId: call.id } });
      return reply.code(204).send(null);
    },
  );

  // Recordings stay with the provider (Twilio: authenticated URLs; Asterisk: ARI's stored recordings); agents play them through the hub.
  app.get(
    '/voice/recordings/:sid',
    {
      schema: {
        tags: ['voice'],
        summary: 'Play a call recording or voicemail (Twilio: audio/mpeg; Asterisk: the stored format, e.g. audio/wav)',
        params: Type.Object({ sid: Type.String({ pattern: '^(RE[0-9a-fA-F]{32}|ch-(call|vm)-[0-9]+-[0-9a-f]{8})$' }) }),
      },
    },
    async (req, reply) => {
      const r = await app.db.query(`SELECT r.url, c.provider FROM call_recordings r LEFT JOIN calls c ON c.id = r.call_id WHERE r.recording_sid = $1`, [req.params.sid]);
      if (!r.rowCount || !r.rows[0].url) throw notFound('recording');
      const audio = await voiceProvider(r.rows[0].provider).recordingAudio({ db: app.db, config: app.config, log: app.log }, { sid: req.params.sid, url: r.rows[0].url });
      return reply.header('content-type', audio.contentType).header('cache-control', 'private, max-age=3600').send(audio.body);
    },
  );
};

export default voiceApi;
