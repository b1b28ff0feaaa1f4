import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ingestInboundCall, leaveMenu } from '../../inbound.js';
import { InvalidIdentityError, normaliseIdentity } from '../../../../ingest/identity.js';
import { HttpError, badRequest } from '../../../../lib/errors.js';
import { requireTwilioSignature, signedUrl, twilioParams } from '../../../twilio/signature.js';
import { sendTwiml, VoiceResponse } from '../../../twilio/twiml.js';
import { isOpen, phoneNumberByE164, phoneNumberById, type PhoneNumberConfig } from '../../../twilio/numbers.js';
import { openingHoursFor } from '../../../../business-hours/opening-hours.js';
import { recordCallback } from '../../../twilio/raw-event.js';
import { createTwilioQueue } from '../../../twilio/jobs.js';
import { scheduleMaxWait } from './max-wait.js';
import { webhookUrl } from '../../../twilio/urls.js';
import { outboundCallRefusal, placeOutboundCall } from '../../outbound.js';
import { callById, callBySid, publishCall, setCall, type CallRow } from '../../calls.js';
import { numberLine, override, prompts, speak, speakMenuOption } from '../../prompts.js';
import { agentIdFromIdentity, dialAgentTwiml, enqueueTwiml, estimatedWaitSeconds, greetingLines, voicemailTwiml } from '../../twiml-builders.js';
import {
  agentDidNotAnswer,
  callEnded,
  callerLeftQueue,
  recordCallRecording,
  recordTalkTime,
  recordVoicemail,
  type LifecycleDeps,
} from '../../lifecycle.js';
import { bestEffort } from '../../../../lib/best-effort.js';
import { isRetryableTwilioError, restErrorInfo } from '../../../twilio/client.js';
import { redirectCall } from './calls-api.js';
import { answeredLeg, assignConference, dropRingingLeg, hangUpLeg, ringAgentIntoConference, ringingOf, setEndsConference } from './conference.js';
import { endMonitor, monitorByLeg } from '../../monitors.js';
import { NAMESPACES, rooms } from '../../../../contracts/realtime.js';

/** How long the REST redirect gets to connect an accepted call before the hold TwiML takes over. */
const ACCEPT_GRACE_SECONDS = 10;

export function voiceDeps(app: FastifyInstance): LifecycleDeps {
  return { db: app.db, queues: app.queues, realtime: app.realtime, log: app.log };
}

/** Twilio Voice webhooks: inbound calls, menu, queue hold, connecting agents, status, recordings, voicemail. */
const voiceWebhooks: FastifyPluginAsync = async (app) => {
  const config = app.config;
  const verify = requireTwilioSignature(config);
  const opts = { preHandler: verify, schema: { hide: true } };
  const deps = voiceDeps(app);
  const jobs = createTwilioQueue(app.redis, config.queuePrefix);
  app.addHook('onClose', async () => {
    await bestEffort(jobs.close(), app.log, 'closing the voice twilio queue');
  });

  const phone = (raw: string | undefined): string | null => {
    if (!raw) return null;
    try {
      return normaliseIdentity('phone', raw.replace(/^client:/, ''), config.twilio.defaultCountry);
    } catch (err) {
      if (err instanceof InvalidIdentityError) return null;
      throw err;
    }
  };
  const callFromQuery = async (req: FastifyRequest, lock = false): Promise<CallRow> => {
    const id = Number((req.query as Record<string, string>).callId);
    if (!Number.isSafeInteger(id) || id < 1) throw badRequest('callId query parameter is required (a row id)');
    const call = await callById(app.db, id, lock);
    if (!call) throw badRequest(`unknown call ${id}`);
    return call;
  };
  const languageOf = async (caseId: number): Promise<string> => {
    const r = await app.db.query(`SELECT COALESCE(c.language, cu.language) AS lang FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`, [caseId]);
    return r.rows[0]?.lang ?? 'en';
  };
  /** The agent holding the call's case, if they accepted at least `graceSeconds` ago (null otherwise). */
  const acceptedAgentWaiting = async (caseId: number, graceSeconds: number): Promise<number | null> => {
    const r = await app.db.query(
      `SELECT c.assignee_id FROM cases c
        WHERE c.id = $1 AND c.routing_state = 'assigned' AND c.assignee_id IS NOT NULL
          -- over the case's own events (types in WHERE let the planner read the (type, time) index: every accept ever)
          AND (SELECT bool_or(e.type IN ('assigned', 'accepted') AND e.agent_id = c.assignee_id AND e.created_at <= now() - make_interval(secs => $2))
                 FROM case_events e WHERE e.case_id = c.id)`,
      [caseId, graceSeconds],
    );
    return r.rows[0]?.assignee_id ?? null;
  };
  const numberOf = async (call: CallRow): Promise<PhoneNumberConfig | null> => (call.phone_number_id ? phoneNumberById(app.db, call.phone_number_id) : null);
  const seen = (req: FastifyRequest, key: string, p: Record<string, string>) =>
    recordCallback(app.db, { provider: 'twilio-voice', key, channel: 'voice', payload: p, url: signedUrl(config, req) });

  // 1. A call arrives: customer by caller id, a call interaction on a new case, then greeting → menu or queue.
  app.post('/', opts, async (req, reply) => {
    const p = twilioParams(req);
    if (!p.CallSid) throw badRequest('CallSid is required');
    const to = phone(p.To);
    const number = to ? await phoneNumberByE164(app.db, to) : null;
    const callerPhone = phone(p.From);
    if (number && !number.voiceEnabled) {
      // A texting-only number: say so rather than create a case nobody can answer.
      const twiml = new VoiceResponse();
      speak(twiml, number.defaultLanguage, prompts(number.defaultLanguage).notInService, number);
      twiml.hangup();
      return sendTwiml(reply, twiml);
    }
    // the number's own hours, else its queue's or the organisation's (Admin → Business hours)
    const open = isOpen(number?.businessHours ?? (await openingHoursFor(app.db, number?.queueId ?? null)));
    const hasMenu = !!number?.ivr?.options?.length;
    const { call, duplicate } = await ingestInboundCall(
      { ingest: app.ingestDeps, realtime: app.realtime },
      {
        provider: 'twilio',
        callSid: p.CallSid,
        callerPhone,
        to,
        toRaw: p.To ?? '',
        number,
        callerName: p.CallerName || undefined,
        open,
        initialState: !open ? 'voicemail' : hasMenu ? 'ivr' : 'queued',
        providerStatus: p.CallStatus || 'ringing',
        metadata: p.FromCountry ? { fromCountry: p.FromCountry } : {},
        raw: p,
        rawHeaders: { url: signedUrl(config, req), signature: req.headers['x-twilio-signature'] },
      },
    );
    app.metrics.ingested.inc({ channel: 'voice', result: duplicate ? 'duplicate' : 'new' });
    const lang = await languageOf(call.case_id);

    if (!open) {
      if (!call.outcome) await setCall(app.db, call.id, { outcome: 'after_hours', state: 'voicemail' });
      return sendTwiml(reply, voicemailTwiml(config, call.id, lang, [numberLine('afterHours', lang, number, number?.afterHoursMessage)], number?.voicemailEnabled ?? true, number));
    }
    const twiml = new VoiceResponse();
    for (const line of greetingLines(number, lang)) speak(twiml, lang, line, number);
    if (hasMenu && call.state === 'ivr') {
      const menu = number!.ivr!;
      const gather = twiml.gather({
        numDigits: 1,
        timeout: menu.timeoutSeconds ?? 6,
        action: webhookUrl(config, '/voice/menu', { callId: call.id }),
        method: 'POST',
        actionOnEmptyResult: true,
      });
      speak(gather, lang, numberLine('menu', lang, number, menu.prompt), number);
      for (const o of menu.options) if (o.label) speakMenuOption(gather, lang, o.digit, override(o.label, lang, o.digit), number);
      return sendTwiml(reply, twiml);
    }
    await scheduleMaxWait(app.db, jobs, call.id);
    return sendTwiml(reply, enqueueTwiml(config, call.id, call.queue_id, twiml));
  });

  // 2. Menu choice: the digit picks the queue (no or unknown digit → the number's queue), then the caller waits.
  app.post('/menu', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const number = await numberOf(call);
    await leaveMenu(deps, call, number, p.Digits ?? null);
    const fresh = (await callById(app.db, call.id))!;
    await scheduleMaxWait(app.db, jobs, call.id);
    return sendTwiml(reply, enqueueTwiml(config, call.id, fresh.queue_id));
  });

  // 3. Hold: position and estimated wait in the caller's language, then music; past the queue's max wait → voicemail.
  app.post('/wait', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const lang = await languageOf(call.case_id);
    const pr = prompts(lang);
    const twiml = new VoiceResponse();
    const q = call.queue_id ? (await app.db.query(`SELECT max_wait_seconds FROM queues WHERE id = $1`, [call.queue_id])).rows[0] : null;
    const waited = Number(p.QueueTime ?? 0) || (call.queued_at ? (Date.now() - new Date(call.queued_at).getTime()) / 1000 : 0);
    // Safety net: an agent accepted a while ago but the REST redirect never reached Twilio (worker down, Twilio
    // unreachable): leave the queue and the exit TwiML dials that agent.
    if (call.state === 'queued' && (await acceptedAgentWaiting(call.case_id, ACCEPT_GRACE_SECONDS))) {
      twiml.leave();
      return sendTwiml(reply, twiml);
    }
    if (q?.max_wait_seconds && waited >= q.max_wait_seconds && call.state === 'queued') {
      twiml.leave();
      return sendTwiml(reply, twiml);
    }
    const position = Math.max(1, Number(p.QueuePosition ?? 1) || 1);
    const est = await estimatedWaitSeconds(app.db, call.queue_id, position);
    const number = await numberOf(call);
    speak(twiml, lang, pr.position(position), number);
    speak(twiml, lang, pr.estimate(Math.ceil(est / 60)), number);
    twiml.play({}, config.twilio.holdMusicUrl);
    return sendTwiml(reply, twiml);
  });

  // 4. The caller left the Twilio queue: hung up (abandoned), sent away by <Leave> (missed → voicemail), or bridged/redirected.
  app.post('/queue-exit', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const result = (p.QueueResult ?? '').toLowerCase();
    const fresh = await seen(req, `${call.call_sid}:queue-exit:${result}`, p);
    const lang = await languageOf(call.case_id);
    const pr = prompts(lang);
    const number = await numberOf(call);
    if (result === 'hangup') {
      if (fresh) await callerLeftQueue(deps, call.id, 'abandoned');
      return sendTwiml(reply, new VoiceResponse());
    }
    if (result === 'leave') {
      const agentId = await acceptedAgentWaiting(call.case_id, 0);
      if (agentId) {
        const claimed = await app.db.query(
          `UPDATE calls SET state = 'connecting', agent_id = $2, updated_at = now() WHERE id = $1 AND state IN ('queued', 'connecting') RETURNING id`,
          [call.id, agentId],
        );
        const agent = (await app.db.query(`SELECT id, phone FROM agents WHERE id = $1`, [agentId])).rows[0];
        if (claimed.rowCount && agent) {
          const conference = await assignConference(app.db, call.id);
          await publishCall(app.db, app.realtime, call.id);
          return sendTwiml(reply, dialAgentTwiml(config, call.id, agent, lang, conference, number));
        }
      }
    }
    if (['leave', 'queue-full', 'system-error', 'error'].includes(result)) {
      if (fresh) await callerLeftQueue(deps, call.id, 'missed');
      return sendTwiml(reply, voicemailTwiml(config, call.id, lang, [pr.allBusy], number?.voicemailEnabled ?? true, number));
    }
    // Moved out of the queue by a REST redirect (agent accepted, maximum wait, transfer). Whether Twilio runs the
    // redirect's TwiML or this answer, the caller ends up in the same place.
    if (call.state === 'connecting' && call.agent_id) {
      return sendTwiml(reply, dialAgentTwiml(config, call.id, { id: call.agent_id }, lang, call.conference_name, number));
    }
    if (call.state === 'voicemail') {
      if (!call.outcome) await callerLeftQueue(deps, call.id, 'missed');
      return sendTwiml(reply, voicemailTwiml(config, call.id, lang, [pr.allBusy], number?.voicemailEnabled ?? true, number));
    }
    return sendTwiml(reply, new VoiceResponse());
  });

  // The maximum-wait timer moved the caller out of the queue: voicemail.
  app.post('/missed', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    if (await seen(req, `${call.call_sid}:missed`, p)) await callerLeftQueue(deps, call.id, 'missed');
    const lang = await languageOf(call.case_id);
    const number = await numberOf(call);
    return sendTwiml(reply, voicemailTwiml(config, call.id, lang, [prompts(lang).allBusy], number?.voicemailEnabled ?? true, number));
  });

  // 5. On accept the queued call is redirected here: ring the agent's browser and phone.
  app.post('/connect', opts, async (req, reply) => {
    const call = await callFromQuery(req);
    const agentId = Number((req.query as Record<string, string>).agentId);
    const agent = Number.isSafeInteger(agentId) ? (await app.db.query(`SELECT id, phone FROM agents WHERE id = $1`, [agentId])).rows[0] : undefined;
    const lang = await languageOf(call.case_id);
    const number = await numberOf(call);
    if (!agent) {
      const twiml = new VoiceResponse();
      speak(twiml, lang, prompts(lang).agentNotReached, number);
      return sendTwiml(reply, enqueueTwiml(config, call.id, call.queue_id, twiml));
    }
    if (call.state !== 'completed') await setCall(app.db, call.id, { state: 'connecting', agent_id: agent.id });
    const conference = call.conference_name ?? (await assignConference(app.db, call.id));
    await publishCall(app.db, app.realtime, call.id);
    return sendTwiml(reply, dialAgentTwiml(config, call.id, agent, lang, conference, number));
  });

  // The agent rang out on every leg: the caller leaves the conference for the queue, keeping their place. A caller
  // who hung up meanwhile cannot be moved (Twilio answers 4xx): their status callback finishes the call.
  const agentNotReached = async (call: CallRow, agentId: number) => {
    try {
      await redirectCall(config, call.call_sid, '/voice/requeue', { callId: call.id, why: 'unanswered' });
    } catch (err) {
      if (isRetryableTwilioError(err)) throw err;
      app.log.warn({ err: restErrorInfo(err), callId: call.id }, 'the caller could not be moved back to the queue (gone?)');
      return;
    }
    await agentDidNotAnswer(deps, call.id, agentId);
    await scheduleMaxWait(app.db, jobs, call.id);
  };

  // 5b. The call's conference: the caller's join is when the agent is rung into it (browser and phone, as participants).
  app.post('/conference-events', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const event = p.StatusCallbackEvent ?? '';
    if (!(await seen(req, `${p.ConferenceSid ?? ''}:conference:${event}:${p.CallSid ?? ''}`, p))) return reply.code(204).send();
    if (event !== 'participant-join' || p.CallSid !== call.call_sid || !p.ConferenceSid) return reply.code(204).send();
    // the SID the Participants resource (agents, supervisors) is addressed by, for this connection's conference
    await app.db.query(`UPDATE calls SET conference_sid = $2, updated_at = now() WHERE id = $1 AND conference_name IS NOT DISTINCT FROM $3`, [call.id, p.ConferenceSid, p.FriendlyName ?? call.conference_name]);
    const fresh = (await callById(app.db, call.id))!;
    if (fresh.state !== 'connecting' || !fresh.agent_id || ringingOf(fresh)) return reply.code(204).send();
    const agent = (await app.db.query(`SELECT id, phone FROM agents WHERE id = $1`, [fresh.agent_id])).rows[0];
    try {
      await ringAgentIntoConference({ db: app.db, config }, fresh, agent);
    } catch (err) {
      app.log.warn({ err: restErrorInfo(err), callId: call.id }, 'could not ring the agent into the call’s conference');
      await agentNotReached(fresh, fresh.agent_id);
    }
    return reply.code(204).send();
  });

  // 6. The agent's legs (conference participants): the first to answer starts the conversation and the others stop
  // ringing; an answered leg that ends gives its talk time; no leg answering sends the caller back to the queue.
  app.post('/agent-leg', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const status = (p.CallStatus ?? '').toLowerCase();
    const leg = p.CallSid;
    if (!leg || !(await seen(req, `${leg}:agent-leg:${status}`, p))) return reply.code(204).send();
    const agentId = Number((req.query as Record<string, string>).agentId) || call.agent_id;
    if (status === 'in-progress' || status === 'answered') {
      const { others, ringing } = await answeredLeg(app.db, call.id, leg);
      for (const other of others) await bestEffort(hangUpLeg(config, other), app.log, `hanging up the agent's other leg ${other}`);
      if (ringing?.warm) {
        // a warm transfer's target took the call over; the first agent leaves when they are done
        await setCall(app.db, call.id, { agent_call_sid: leg });
      } else if (!ringing && call.state === 'in_progress' && call.agent_call_sid && call.agent_call_sid !== leg) {
        // another leg of the same agent answered first
        await bestEffort(hangUpLeg(config, leg), app.log, `hanging up the late leg ${leg}`);
        return reply.code(204).send();
      } else {
        await setCall(app.db, call.id, { state: 'in_progress', agent_call_sid: leg, answered_at: call.answered_at ?? new Date() });
      }
      await publishCall(app.db, app.realtime, call.id);
      return reply.code(204).send();
    }
    if (!['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status)) return reply.code(204).send();
    const talked = status === 'completed' && Number(p.CallDuration ?? 0) > 0;
    if (talked) {
      await recordTalkTime(deps, call.id, Number(p.CallDuration), agentId ?? null, leg);
      return reply.code(204).send();
    }
    const left = await dropRingingLeg(app.db, call.id, leg);
    if (!left || left.legs.length) return reply.code(204).send();
    if (left.warm) {
      // the transfer's target never answered: the first agent's hang-up ends the call again
      if (call.agent_call_sid) await bestEffort(setEndsConference(config, call, call.agent_call_sid, true), app.log, 'restoring the first agent after a failed warm transfer');
      return reply.code(204).send();
    }
    if (call.direction === 'inbound' && call.state === 'connecting' && call.agent_id === left.agentId) await agentNotReached(call, left.agentId);
    return reply.code(204).send();
  });

  // 6b. A supervisor's monitoring leg: hanging up ends their monitor.
  app.post('/monitor-leg', opts, async (req, reply) => {
    const p = twilioParams(req);
    const status = (p.CallStatus ?? '').toLowerCase();
    if (!p.CallSid || !['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status)) return reply.code(204).send();
    const m = await monitorByLeg(app.db, p.CallSid);
    if (m && (await endMonitor(app.db, m, { reason: 'hung_up' }))) {
      await app.realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'calls:monitors', payload: { callId: m.callId } });
    }
    return reply.code(204).send();
  });

  // 7. <Dial> finished: bridged → talk time; the agent did not answer → back to the queue in place.
  app.post('/dial-done', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const queried = Number((req.query as Record<string, string>).agentId);
    const agentId = (Number.isSafeInteger(queried) && queried > 0 ? queried : null) || call.agent_id;
    const status = (p.DialCallStatus ?? '').toLowerCase();
    const fresh = await seen(req, `${call.call_sid}:dial-done:${p.DialCallSid ?? ''}:${status}`, p);
    const lang = await languageOf(call.case_id);
    const number = await numberOf(call);
    if (!p.DialCallSid && call.conference_name && call.direction === 'inbound') {
      // The caller's conference is over (Twilio sends no DialCallSid after a conference): the agent hung up — their
      // leg gave the talk time — or the caller was moved on by a transfer, whose TwiML wins over this answer.
      const twiml = new VoiceResponse();
      if (call.state === 'queued') {
        speak(twiml, lang, prompts(lang).transferHold, number);
        return sendTwiml(reply, enqueueTwiml(config, call.id, call.queue_id, twiml));
      }
      if (call.state === 'connecting' && call.agent_id) return sendTwiml(reply, dialAgentTwiml(config, call.id, { id: call.agent_id }, lang, call.conference_name, number));
      speak(twiml, lang, prompts(lang).goodbye, number);
      twiml.hangup();
      return sendTwiml(reply, twiml);
    }
    if (status === 'completed' || status === 'answered') {
      if (fresh) await recordTalkTime(deps, call.id, Number(p.DialCallDuration ?? 0) || 0, agentId ?? null, p.DialCallSid || null);
      // The <Dial> ended because the call was transferred: lead the caller where the transfer sends them.
      const t = call.transfer;
      if (t && t.fromLegSid && t.fromLegSid === p.DialCallSid) {
        const twiml = new VoiceResponse();
        if (t.mode === 'warm') {
          twiml.dial().conference({ startConferenceOnEnter: false, endConferenceOnExit: true, waitUrl: config.twilio.holdMusicUrl, beep: 'false' as never }, `hub-call-${call.id}`);
          return sendTwiml(reply, twiml);
        }
        if (t.toAgentId) return sendTwiml(reply, dialAgentTwiml(config, call.id, { id: t.toAgentId }, lang, call.conference_name, number));
        speak(twiml, lang, prompts(lang).transferHold, number);
        return sendTwiml(reply, enqueueTwiml(config, call.id, call.queue_id, twiml));
      }
      const twiml = new VoiceResponse();
      if (call.direction === 'inbound') speak(twiml, lang, prompts(lang).goodbye, number);
      twiml.hangup();
      return sendTwiml(reply, twiml);
    }
    if (call.direction === 'inbound' && call.state !== 'completed' && agentId) {
      if (fresh) {
        await agentDidNotAnswer(deps, call.id, agentId);
        await scheduleMaxWait(app.db, jobs, call.id);
      }
      const twiml = new VoiceResponse();
      speak(twiml, lang, prompts(lang).agentNotReached, number);
      return sendTwiml(reply, enqueueTwiml(config, call.id, call.queue_id, twiml));
    }
    // Click-to-call: the customer did not pick up.
    if (fresh) await setCall(app.db, call.id, { outcome: status === 'busy' ? 'busy' : status === 'no-answer' ? 'no_answer' : 'failed' });
    const twiml = new VoiceResponse();
    twiml.hangup();
    return sendTwiml(reply, twiml);
  });

  // 8. Status callback for the call itself (configure on each number, and set on calls the hub places).
  app.post('/status', opts, async (req, reply) => {
    const p = twilioParams(req);
    const status = (p.CallStatus ?? '').toLowerCase();
    if (!p.CallSid || !status) throw badRequest('CallSid and CallStatus are required');
    const call = await callBySid(app.db, p.CallSid);
    if (!(await seen(req, `${p.CallSid}:status:${status}`, p)) || !call) return reply.code(204).send();
    if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status)) {
      await callEnded(deps, call.id, status, p.CallDuration ? Number(p.CallDuration) : null);
    } else {
      await setCall(app.db, call.id, { twilio_status: status });
      if (status === 'in-progress' && call.direction === 'outbound' && call.state === 'ringing') await setCall(app.db, call.id, { state: 'connecting' });
      await publishCall(app.db, app.realtime, call.id);
    }
    return reply.code(204).send();
  });

  // 9. Recordings: conversations with agents, and voicemails.
  app.post('/recording', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    const kind = (req.query as Record<string, string>).kind === 'voicemail' ? 'voicemail' : 'call';
    if (!p.RecordingSid) throw badRequest('RecordingSid is required');
    const status = (p.RecordingStatus ?? 'completed').toLowerCase();
    if (!(await seen(req, `${p.RecordingSid}:recording:${status}`, p))) return reply.code(204).send();
    const v = {
      recordingSid: p.RecordingSid,
      url: p.RecordingUrl || undefined,
      durationSeconds: p.RecordingDuration ? Number(p.RecordingDuration) : undefined,
      status,
    };
    if (kind === 'voicemail') {
      if (status !== 'absent') await recordVoicemail(deps, call.id, v);
    } else await recordCallRecording(app.db, call.id, v);
    return reply.code(204).send();
  });

  app.post('/transcription', opts, async (req, reply) => {
    const p = twilioParams(req);
    const call = await callFromQuery(req);
    if (!p.RecordingSid) throw badRequest('RecordingSid is required');
    if (await seen(req, `${p.RecordingSid}:transcription:${p.TranscriptionSid ?? ''}`, p)) {
      await recordVoicemail(deps, call.id, {
        recordingSid: p.RecordingSid,
        url: p.RecordingUrl || undefined,
        transcription: p.TranscriptionStatus === 'completed' ? (p.TranscriptionText ?? '') : undefined,
        transcriptionStatus: p.TranscriptionStatus,
      });
    }
    return reply.code(204).send();
  });

  app.post('/voicemail-done', opts, async (req, reply) => {
    const call = await callFromQuery(req);
    const lang = await languageOf(call.case_id);
    const twiml = new VoiceResponse();
    speak(twiml, lang, prompts(lang).thanksMessage, await numberOf(call));
    twiml.hangup();
    return sendTwiml(reply, twiml);
  });

  // Outbound legs (phone or browser): ring the customer from our number, recorded, reported back to dial-done.
  const dialCustomer = (twiml: InstanceType<typeof VoiceResponse>, call: { id: number; our_number: string | null; customer_number: string }) =>
    twiml
      .dial({
        callerId: call.our_number ?? undefined,
        action: webhookUrl(config, '/voice/dial-done', { callId: call.id }),
        method: 'POST',
        timeout: 30,
        record: 'record-from-answer-dual',
        recordingStatusCallback: webhookUrl(config, '/voice/recording', { callId: call.id, kind: 'call' }),
      })
      .number(call.customer_number);

  // 10. Click-to-call from a phone: the agent answered the first leg; now ring the customer.
  app.post('/outbound', opts, async (req, reply) => {
    const call = await callFromQuery(req);
    const twiml = new VoiceResponse();
    dialCustomer(twiml, call);
    await setCall(app.db, call.id, { state: 'connecting' });
    return sendTwiml(reply, twiml);
  });

  // 11. TwiML app for the Voice JS SDK: an agent's browser places a call (params To and CaseId).
  app.post('/client', opts, async (req, reply) => {
    const p = twilioParams(req);
    const agentId = agentIdFromIdentity(p.From ?? p.Caller ?? '');
    const to = phone(p.To);
    const caseId = Number(p.CaseId);
    const twiml = new VoiceResponse();
    if (!agentId || !to || !Number.isSafeInteger(caseId) || caseId < 1) {
      twiml.say({ language: 'en-US' }, 'This call cannot be placed: a case and a valid phone number are required.');
      return sendTwiml(reply, twiml);
    }
    // The browser places the call straight through Twilio: the same destination rules as click-to-call.
    const refusal = await outboundCallRefusal({ db: app.db, config }, caseId, to).catch((err) => {
      if (err instanceof HttpError) return { code: 'not_customer_number' as const, reason: err.message };
      throw err;
    });
    if (refusal) {
      app.log.warn({ caseId, agentId, to, code: refusal.code }, 'browser call refused by the outbound destination policy');
      twiml.say({ language: 'en-US' }, `This call cannot be placed. ${refusal.reason}`);
      return sendTwiml(reply, twiml);
    }
    const call = await placeOutboundCall(app, { caseId, agentId, to, callSid: p.CallSid!, provider: 'twilio' });
    dialCustomer(twiml, call);
    return sendTwiml(reply, twiml);
  });

  // 12. Transfers: back into a queue (cold), or into a conference with the new agent (warm).
  app.post('/requeue', opts, async (req, reply) => {
    const call = await callFromQuery(req);
    const lang = await languageOf(call.case_id);
    const twiml = new VoiceResponse();
    const unanswered = (req.query as Record<string, string>).why === 'unanswered';
    speak(twiml, lang, unanswered ? prompts(lang).agentNotReached : prompts(lang).transferHold, await numberOf(call));
    await scheduleMaxWait(app.db, jobs, call.id);
    return sendTwiml(reply, enqueueTwiml(config, call.id, call.queue_id, twiml));
  });

  app.post('/conference', opts, async (req, reply) => {
    const call = await callFromQuery(req);
    const role = (req.query as Record<string, string>).role;
    const twiml = new VoiceResponse();
    if (role === 'customer') {
      const lang = await languageOf(call.case_id);
      speak(twiml, lang, prompts(lang).transferHold, await numberOf(call));
    }
    twiml.dial().conference(
      {
        startConferenceOnEnter: role !== 'customer',
        endConferenceOnExit: role === 'customer' || role === 'target',
        waitUrl: config.twilio.holdMusicUrl,
        beep: 'false' as never,
      },
      `hub-call-${call.id}`,
    );
    return sendTwiml(reply, twiml);
  });
};

export default voiceWebhooks;
