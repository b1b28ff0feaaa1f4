import type pg from 'pg';
import { withTransaction, type Tx } from '../../db/pool.js';
import { writeCaseEvent } from '../../db/case-events.js';
import { queueInTx, enqueueCase } from '../../lifecycle/queue.js';
import { dueAfter, slaDueMinutes } from '../../sla/policy.js';
import { solveUnheldInTx } from '../../lifecycle/status.js';
import { enterWrapUp } from '../../lifecycle/wrap-up.js';
import { rooms } from '../../contracts/realtime.js';
import { callById, publishCall, setCall, syncCallInteraction, type CallRow } from './calls.js';
import { reindexSearchRow } from '../../search/search-indexer.js';
import { endCallMonitors } from './monitors.js';
import { dequeueMissedCall, withdrawCall, requeueUnansweredCall, type VoiceRoutingDeps } from './routing-bridge.js';

export type CallbackReason = 'abandoned' | 'missed' | 'after_hours';

const REASON_TEXT: Record<CallbackReason, string> = {
  abandoned: 'hung up while waiting in the queue',
  missed: 'no agent answered within the queue’s maximum wait; sent to voicemail',
  after_hours: 'called outside business hours',
};

/**
 * The follow-up for a caller nobody spoke to: one callback case per call (type callback, linked to the call's
 * case), put on the queue so an agent calls back. Created once, however many callbacks Twilio repeats.
 */
async function ensureCallbackCaseInTx(tx: Tx, call: CallRow, reason: CallbackReason): Promise<{ caseId: number; created: boolean }> {
  if (call.callback_case_id) return { caseId: call.callback_case_id, created: false };
  const orig = await tx.query(`SELECT customer_id, queue_id, language, priority FROM cases WHERE id = $1`, [call.case_id]);
  const o = orig.rows[0];
  const due = slaDueMinutes('voice', o.priority);
  const ins = await tx.query(
    `INSERT INTO cases (customer_id, subject, type, priority, channel, queue_id, tags, language, first_response_due_at, resolution_due_at, last_activity_at)
     VALUES ($1, $2, 'callback', $3, 'voice', $4, $5, $6, ${dueAfter('$7')}, ${dueAfter('$8')}, now()) RETURNING id`,
    [o.customer_id, call.customer_number.startsWith('+') ? `Call back ${call.customer_number}` : 'Call back (caller withheld their number)', o.priority, call.queue_id ?? o.queue_id, ['callback', reason.replace('_', '-')], o.language, due.firstResponseMinutes, due.resolutionMinutes],
  );
  const caseId: number = ins.rows[0].id;
  await tx.query(`INSERT INTO case_links (case_id, linked_case_id, kind) VALUES ($1, $2, 'callback'), ($2, $1, 'callback') ON CONFLICT DO NOTHING`, [
    caseId,
    call.case_id,
  ]);
  await tx.query(
    `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, text, delivery_status, metadata)
     VALUES ($1, $2, 'voice', 'internal', 'system', $3, 'delivered', $4)`,
    [caseId, o.customer_id, `Call back ${call.customer_number}: the caller ${REASON_TEXT[reason]}.`, JSON.stringify({ callId: call.id, callSid: call.call_sid, reason })],
  );
  await writeCaseEvent(tx, { caseId, type: 'created', channel: 'voice', data: { provider: call.provider, callback: { reason, callId: call.id, fromCaseId: call.case_id } } });
  await queueInTx(tx, caseId, 'queued', { callback: reason });
  await tx.query(`UPDATE calls SET callback_case_id = $2, updated_at = now() WHERE id = $1`, [call.id, caseId]);
  return { caseId, created: true };
}

/** Closes the call's own case when nobody spoke to the caller: the callback case carries the follow-up. */
async function solveCallCaseInTx(tx: Tx, call: CallRow, note: string): Promise<void> {
  await solveUnheldInTx(tx, call.case_id, note);
}

export type LifecycleDeps = VoiceRoutingDeps;

/**
 * The caller left the queue without reaching an agent: hung up (abandoned — a KPI) or sent to voicemail after the
 * queue's maximum wait (missed) or outside business hours. Idempotent per call.
 */
export async function callerLeftQueue(deps: LifecycleDeps, callId: number, outcome: CallbackReason): Promise<{ callbackCaseId: number | null }> {
  const call0 = await callById(deps.db, callId);
  if (!call0) return { callbackCaseId: null };
  // Routing first: the withdraw takes the case off the queue (and writes the abandoned event) in its own transaction.
  if (outcome === 'abandoned') await withdrawCall(deps, call0.case_id, 'abandoned');
  else if (outcome === 'missed') await dequeueMissedCall(deps, call0.case_id);
  const res = await withTransaction(deps.db, async (tx) => {
    const call = (await callById(tx, callId, true))!;
    if (call.outcome && call.outcome !== outcome && call.outcome !== 'after_hours') return { caseId: call.callback_case_id, created: false };
    const ended = outcome === 'abandoned';
    await setCall(tx, call.id, {
      outcome,
      state: ended ? 'completed' : 'voicemail',
      ...(ended && !call.ended_at ? { ended_at: new Date() } : {}),
    });
    const cb = await ensureCallbackCaseInTx(tx, call, outcome);
    await solveCallCaseInTx(tx, call, `Caller ${REASON_TEXT[outcome]}; callback case opened.`);
    await syncCallInteraction(tx, call.id);
    return cb;
  });
  if (res.created && res.caseId) await enqueueCase(deps.db, deps.queues.routing, res.caseId, 'arrival', deps.log);
  await publishCall(deps.db, deps.realtime, callId);
  return { callbackCaseId: res.caseId };
}

/**
 * A voicemail (recording or its transcription, in whichever order Twilio sends them): one voicemail interaction per
 * recording, on the call's callback case, carrying the recording and the transcribed text.
 */
export async function recordVoicemail(
  deps: LifecycleDeps,
  callId: number,
  v: { recordingSid: string; url?: string; durationSeconds?: number; status?: string; transcription?: string; transcriptionStatus?: string },
): Promise<{ interactionId: number; callbackCaseId: number }> {
  let createdCase: number | null = null;
  const res = await withTransaction(deps.db, async (tx) => {
    const call = (await callById(tx, callId, true))!;
    const cb = await ensureCallbackCaseInTx(tx, call, (call.outcome as CallbackReason) === 'after_hours' ? 'after_hours' : 'missed');
    if (cb.created) createdCase = cb.caseId;
    const customer = (await tx.query(`SELECT customer_id FROM cases WHERE id = $1`, [cb.caseId])).rows[0].customer_id;
    let inter = await tx.query(`SELECT id FROM interactions WHERE provider = $2 AND provider_message_id = $1`, [v.recordingSid, call.provider]);
    if (!inter.rowCount) {
      inter = await tx.query(
        `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, from_address, to_address, text, provider, provider_message_id, delivery_status, metadata)
         VALUES ($1, $2, 'voice', 'inbound', 'voicemail', $3, $4, $5, $8, $6, 'received', $7) RETURNING id`,
        [cb.caseId, customer, call.customer_number, call.our_number, 'Voicemail', v.recordingSid, JSON.stringify({ callId: call.id, callSid: call.call_sid }), call.provider],
      );
      await writeCaseEvent(tx, { caseId: cb.caseId, type: 'interaction', channel: 'voice', data: { interactionId: inter.rows[0].id, voicemail: true } });
    }
    const interactionId: number = inter.rows[0].id;
    await tx.query(
      `INSERT INTO call_recordings (recording_sid, call_id, interaction_id, kind, url, status, duration_seconds, transcription, transcription_status)
       VALUES ($1, $2, $3, 'voicemail', $4, COALESCE($5, 'completed'), $6, $7, $8)
       ON CONFLICT (recording_sid) DO UPDATE SET
         url = COALESCE(EXCLUDED.url, call_recordings.url),
         status = COALESCE($5, call_recordings.status),
         duration_seconds = COALESCE(EXCLUDED.duration_seconds, call_recordings.duration_seconds),
         transcription = COALESCE(EXCLUDED.transcription, call_recordings.transcription),
         transcription_status = COALESCE(EXCLUDED.transcription_status, call_recordings.transcription_status),
         updated_at = now()`,
      [v.recordingSid, call.id, interactionId, v.url ?? null, v.status ?? null, v.durationSeconds ?? null, v.transcription ?? null, v.transcriptionStatus ?? null],
    );
    const rec = (await tx.query(`SELECT duration_seconds, transcription FROM call_recordings WHERE recording_sid = $1`, [v.recordingSid])).rows[0];
    const text = rec.transcription ? `Voicemail: ${rec.transcription}` : `Voicemail${rec.duration_seconds != null ? ` (${rec.duration_seconds} s)` : ''}`;
    await tx.query(
      `UPDATE interactions SET text = $2, metadata = metadata || $3::jsonb, updated_at = now() WHERE id = $1`,
      [
        interactionId,
        text,
        JSON.stringify({
          recordingSid: v.recordingSid,
          durationSeconds: rec.duration_seconds,
          transcription: rec.transcription ?? null,
          voicemailUrl: `/api/v1/voice/recordings/${v.recordingSid}`,
        }),
      ],
    );
    // the search side table follows the transcript at once (the indexer only picks up new messages)
    await reindexSearchRow(tx, 'interactions', interactionId);
    await tx.query(`UPDATE cases SET last_activity_at = now(), updated_at = now() WHERE id = $1`, [cb.caseId]);
    return { interactionId, callbackCaseId: cb.caseId };
  });
  if (createdCase) await enqueueCase(deps.db, deps.queues.routing, createdCase, 'arrival', deps.log);
  await deps.realtime?.emit({ nsp: '/agent', room: rooms.case(res.callbackCaseId), event: 'interaction:new', payload: { caseId: res.callbackCaseId, interactionId: res.interactionId } });
  return res;
}

/** A recording of a conversation with an agent, stored on the call's interaction. */
export async function recordCallRecording(db: pg.Pool, callId: number, v: { recordingSid: string; url?: string; durationSeconds?: number; status?: string }) {
  const call = await callById(db, callId);
  if (!call) return;
  await db.query(
    `INSERT INTO call_recordings (recording_sid, call_id, interaction_id, kind, url, status, duration_seconds)
     VALUES ($1, $2, $3, 'call', $4, COALESCE($5, 'completed'), $6)
     ON CONFLICT (recording_sid) DO UPDATE SET url = COALESCE(EXCLUDED.url, call_recordings.url), status = COALESCE($5, call_recordings.status),
       duration_seconds = COALESCE(EXCLUDED.duration_seconds, call_recordings.duration_seconds), updated_at = now()`,
    [v.recordingSid, call.id, call.interaction_id, v.url ?? null, v.status ?? null, v.durationSeconds ?? null],
  );
  await db.query(
    `UPDATE interactions SET metadata = jsonb_set(metadata, '{recordings}',
        COALESCE((SELECT jsonb_agg(jsonb_build_object('sid', r.recording_sid, 'durationSeconds', r.duration_seconds, 'status', r.status,
                   'player', '/api/v1/voice/recordings/' || r.recording_sid) ORDER BY r.id)
                  FROM call_recordings r WHERE r.interaction_id = $1), '[]'::jsonb)), updated_at = now()
      WHERE id = $1`,
    [call.interaction_id],
  );
  await syncCallInteraction(db, call.id);
}

/**
 * The agent's leg of the call ended: talk time (the AHT input) is what Twilio reports for the bridged leg.
 * Written once per call as a case event so KPIs read it from the event log.
 */
export async function recordTalkTime(deps: LifecycleDeps, callId: number, talkSeconds: number, agentId: number | null, legSid: string | null = null): Promise<boolean> {
  // One call may talk to several agents (transfers): each bridged leg adds its time, once (the caller dedupes by leg).
  const done = await withTransaction(deps.db, async (tx) => {
    const call = (await callById(tx, callId, true))!;
    const total = (call.talk_seconds ?? 0) + talkSeconds;
    await setCall(tx, call.id, { talk_seconds: total, outcome: 'answered', answered_at: call.answered_at ?? new Date(Date.now() - talkSeconds * 1000) });
    await writeCaseEvent(tx, {
      caseId: call.case_id, type: 'updated', agentId: agentId ?? call.agent_id, channel: 'voice',
      data: { call: 'talk_time', callId: call.id, talkSeconds, totalTalkSeconds: total, ...(legSid ? { legSid } : {}) },
    });
    await syncCallInteraction(tx, call.id);
    return true;
  });
  if (done) await publishCall(deps.db, deps.realtime, callId);
  return done;
}

/** The agent rang out (no answer, busy, rejected): the caller goes back to waiting, keeping their place. */
export async function agentDidNotAnswer(deps: LifecycleDeps, callId: number, agentId: number): Promise<void> {
  const call = await callById(deps.db, callId);
  if (!call) return;
  await setCall(deps.db, callId, { state: 'queued', agent_id: null });
  await requeueUnansweredCall(deps, call.case_id, agentId);
}

/** Twilio's final status for a call (parent leg): end time, total duration, and the abandoned case if still queued. */
export async function callEnded(deps: LifecycleDeps, callId: number, twilioStatus: string, totalSeconds: number | null): Promise<void> {
  const call = await callById(deps.db, callId);
  if (!call) return;
  if (call.state === 'queued' && !call.outcome) {
    // The hang-up reached us as a status callback before (or instead of) the queue's action callback.
    await callerLeftQueue(deps, callId, 'abandoned');
  }
  await withTransaction(deps.db, async (tx) => {
    const c = (await callById(tx, callId, true))!;
    const outcome =
      c.outcome ??
      (twilioStatus === 'busy' ? 'busy' : twilioStatus === 'no-answer' ? 'no_answer' : twilioStatus === 'failed' || twilioStatus === 'canceled' ? 'failed' : null);
    // A call that was bridged but whose dial action never arrived: talk time from answer to now. (Not for a Twilio
    // conference: the agent's leg reports its own duration, possibly just after the caller's end.)
    const estimate = c.answered_at && !c.conference_sid ? Math.max(0, Math.round((Date.now() - new Date(c.answered_at).getTime()) / 1000)) : null;
    const talk = c.talk_seconds ?? estimate;
    await setCall(tx, c.id, { state: 'completed', twilio_status: twilioStatus, ended_at: c.ended_at ?? new Date(), total_seconds: totalSeconds, outcome, talk_seconds: talk });
    if (c.talk_seconds === null && talk !== null) {
      await writeCaseEvent(tx, { caseId: c.case_id, type: 'updated', agentId: c.agent_id, channel: 'voice', data: { call: 'talk_time', callId: c.id, talkSeconds: talk } });
    }
    // Nobody will pick up a call case that never reached the queue: close it with what happened.
    if (c.direction === 'inbound' && !c.agent_id && ['ringing', 'ivr', 'voicemail'].includes(c.state)) {
      const note =
        c.state === 'voicemail'
          ? `Caller ${REASON_TEXT[(c.outcome as CallbackReason) ?? 'after_hours'] ?? 'reached voicemail'}${c.callback_case_id ? '; callback case opened.' : '; no message left.'}`
          : 'Caller hung up before reaching the queue.';
      await solveCallCaseInTx(tx, c, note);
    }
    await syncCallInteraction(tx, c.id);
  });
  // supervisors' legs end with the call (Twilio: the conference ends; Asterisk: the app hangs them up)
  await endCallMonitors(deps.db, callId);
  await publishCall(deps.db, deps.realtime, callId);
  // an answered call is over: the agent's after-call work starts (lifecycle/wrap-up.ts; once per agent and case)
  const ended = await callById(deps.db, callId);
  if (ended?.agent_id && ended.answered_at) await enterWrapUp(deps, ended.agent_id, ended.case_id, 'call_ended');
}
