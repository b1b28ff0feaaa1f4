import type { Queryable } from '../../db/pool.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { rooms, type CallUpdatedPayload } from '../../contracts/realtime.js';
import type { VoiceProviderName } from '../../contracts/phone-numbers.js';

export type { VoiceProviderName } from '../../contracts/phone-numbers.js';

export interface CallRow {
  id: number;
  call_sid: string;
  /** who carries the call: Twilio (webhooks + REST) or Asterisk (ARI) */
  provider: VoiceProviderName;
  /** provider facts needed to pick a live call up again after a restart (Asterisk: bridge, legs, recording) */
  provider_state: Record<string, unknown>;
  direction: 'inbound' | 'outbound';
  case_id: number;
  interaction_id: number;
  phone_number_id: number | null;
  customer_number: string;
  our_number: string | null;
  queue_id: number | null;
  agent_id: number | null;
  agent_call_sid: string | null;
  state: 'ringing' | 'ivr' | 'queued' | 'connecting' | 'in_progress' | 'voicemail' | 'completed';
  outcome: string | null;
  queued_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  talk_seconds: number | null;
  callback_case_id: number | null;
  /** Twilio: the conference the caller talks to an agent in (one per connection to an agent) and its SID once known */
  conference_name: string | null;
  conference_sid: string | null;
  transfer: { mode: 'cold' | 'warm'; toAgentId?: number; toQueueId?: number; fromLegSid: string | null; at: string } | null;
}

export async function callById(db: Queryable, id: number, lock = false): Promise<CallRow | null> {
  const r = await db.query(`SELECT * FROM calls WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
  return r.rows[0] ?? null;
}

export async function callBySid(db: Queryable, sid: string, lock = false): Promise<CallRow | null> {
  const r = await db.query(`SELECT * FROM calls WHERE call_sid = $1 ${lock ? 'FOR UPDATE' : ''}`, [sid]);
  return r.rows[0] ?? null;
}

/** The live call waiting (or ringing an agent) for a case, if any. */
export async function liveCallForCase(db: Queryable, caseId: number): Promise<CallRow | null> {
  const r = await db.query(
    `SELECT * FROM calls WHERE case_id = $1 AND state IN ('ivr', 'queued', 'connecting', 'in_progress') ORDER BY id DESC LIMIT 1`,
    [caseId],
  );
  return r.rows[0] ?? null;
}

export async function setCall(db: Queryable, id: number, fields: Partial<Record<keyof CallRow | 'twilio_status' | 'total_seconds', unknown>>): Promise<void> {
  const keys = Object.keys(fields);
  if (!keys.length) return;
  const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
  await db.query(`UPDATE calls SET ${sets}, updated_at = now() WHERE id = $1`, [id, ...keys.map((k) => (fields as Record<string, unknown>)[k])]);
}

/** Mirrors the call's state onto its interaction so the case timeline shows it without a join. */
export async function syncCallInteraction(db: Queryable, callId: number): Promise<void> {
  await db.query(
    `UPDATE interactions i SET metadata = i.metadata || jsonb_build_object(
        'callId', c.id, 'callSid', c.call_sid, 'callState', c.state, 'outcome', c.outcome, 'agentId', c.agent_id,
        'talkSeconds', c.talk_seconds, 'totalSeconds', c.total_seconds, 'answeredAt', c.answered_at, 'endedAt', c.ended_at,
        -- what the agent timeline shows: the conversation's length and its recording
        'durationSeconds', c.talk_seconds,
        'recordingUrl', (SELECT '/api/v1/voice/recordings/' || r.recording_sid FROM call_recordings r
                          WHERE r.interaction_id = i.id AND r.kind = 'call' AND r.url IS NOT NULL ORDER BY r.id DESC LIMIT 1)),
        delivery_status = CASE WHEN i.direction = 'outbound' AND c.state = 'completed'
                               THEN (CASE WHEN c.outcome = 'answered' THEN 'delivered' ELSE 'failed' END)
                               WHEN i.direction = 'outbound' AND c.state = 'in_progress' THEN 'sent' ELSE i.delivery_status END,
        updated_at = now()
       FROM calls c WHERE c.id = $1 AND i.id = c.interaction_id`,
    [callId],
  );
}

/** Syncs the call onto its interaction and tells the case room (and the agent on the call) how it is going. */
export async function publishCall(db: Queryable, realtime: RealtimeEmitter | undefined, callId: number): Promise<void> {
  await syncCallInteraction(db, callId);
  if (!realtime) return;
  const c = await callById(db, callId);
  if (!c) return;
  const payload: CallUpdatedPayload = {
    caseId: c.case_id, callId: c.id, interactionId: c.interaction_id, direction: c.direction,
    state: c.state, outcome: c.outcome, agentId: c.agent_id, talkSeconds: c.talk_seconds,
  };
  const room = c.agent_id ? [rooms.case(c.case_id), rooms.agent(c.agent_id)] : rooms.case(c.case_id);
  await realtime.emit({ nsp: '/agent', room, event: 'call:updated', payload });
}

/**
 * Claims the case's live inbound call for the agent who now holds the case: a second trigger for the same assignment
 * (a retried job, a transfer that also connects) finds it claimed and does not ring the agent twice. Returns the call
 * with its state before the claim (to undo it when the provider cannot ring the agent), or null.
 */
export async function claimCallForAgent(
  db: Queryable,
  caseId: number,
  agentId: number,
): Promise<(CallRow & { prev_state: CallRow['state']; prev_agent: number | null }) | null> {
  const r = await db.query(
    `UPDATE calls c SET state = 'connecting', agent_id = $2, updated_at = now()
       FROM (SELECT id, state AS prev_state, agent_id AS prev_agent FROM calls
              WHERE case_id = $1 AND direction = 'inbound' AND state IN ('queued', 'ivr', 'connecting')
              ORDER BY id DESC LIMIT 1 FOR UPDATE) p
      WHERE c.id = p.id AND NOT (p.prev_state = 'connecting' AND p.prev_agent IS NOT DISTINCT FROM $2)
      RETURNING c.*, p.prev_state, p.prev_agent`,
    [caseId, agentId],
  );
  return r.rows[0] ?? null;
}

/** The language the caller hears: the case's, else the customer's, else English. */
export async function callerLanguage(db: Queryable, caseId: number): Promise<string> {
  const r = await db.query(`SELECT COALESCE(c.language, cu.language) AS lang FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`, [caseId]);
  return r.rows[0]?.lang ?? 'en';
}
