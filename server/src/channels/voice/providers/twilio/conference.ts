import type { Config } from '../../../../config.js';
import type { Queryable } from '../../../../db/pool.js';
import { HttpError } from '../../../../lib/errors.js';
import { senderNumber } from '../../../twilio/numbers.js';
import { twilioClient } from '../../../twilio/client.js';
import { webhookUrl } from '../../../twilio/urls.js';
import type { MonitorMode } from '../../../../contracts/voice.js';
import { agentIdentity } from '../../twiml-builders.js';
import type { CallRow } from '../../calls.js';

/**
 * A Twilio call with an agent is a conference: the caller joins it with `<Dial><Conference>` (TwiML from
 * /voice/connect), and when the conference reports the caller's join the agent is added through the Participants
 * resource (`POST /Conferences/{name}/Participants.json`), on their browser and their phone at once. A conference is
 * what lets a supervisor be added later as a muted participant (listen), a coach (whisper) or a plain one (barge).
 */

/** Twilio's participant labels (the caller's is `customer`, set in its TwiML): unique within a conference. */
export const labels = {
  agent: (agentId: number, via: 'client' | 'phone') => `agent-${agentId}${via === 'phone' ? '-phone' : ''}`,
  supervisor: (supervisorId: number) => `supervisor-${supervisorId}`,
};

/** One conference per connection to an agent: a cold transfer leaves one conference and joins the next. */
export async function assignConference(db: Queryable, callId: number): Promise<string> {
  const name = `hub-call-${callId}-${Date.now().toString(36)}`;
  await db.query(`UPDATE calls SET conference_name = $2, conference_sid = NULL, provider_state = provider_state - 'ringing', updated_at = now() WHERE id = $1`, [callId, name]);
  return name;
}

/** The agent legs ringing for a call (first to answer wins), kept in provider_state so any node sees them. */
export interface Ringing {
  agentId: number;
  legs: string[];
  /** a warm transfer: the first agent stays on the call while the target rings */
  warm?: boolean;
}

export const ringingOf = (call: CallRow): Ringing | null => ((call.provider_state ?? {}) as { ringing?: Ringing }).ringing ?? null;

async function setRinging(db: Queryable, callId: number, r: Ringing | null): Promise<void> {
  await db.query(`UPDATE calls SET provider_state = provider_state || jsonb_build_object('ringing', $2::jsonb), updated_at = now() WHERE id = $1`, [callId, JSON.stringify(r)]);
}

/** Takes a leg off the ringing list; answers what is left of it (null: nothing was ringing for that agent). */
export async function dropRingingLeg(db: Queryable, callId: number, legSid: string): Promise<Ringing | null> {
  const r = await db.query(
    `UPDATE calls SET provider_state = jsonb_set(provider_state, '{ringing,legs}', (provider_state->'ringing'->'legs') - $2::text), updated_at = now()
      WHERE id = $1 AND provider_state->'ringing'->'legs' ? $2::text
      RETURNING provider_state->'ringing' AS ringing`,
    [callId, legSid],
  );
  return r.rows[0]?.ringing ?? null;
}

/** A leg answered: the others stop ringing (answers their sids, to hang them up). */
export async function answeredLeg(db: Queryable, callId: number, legSid: string): Promise<{ others: string[]; ringing: Ringing | null }> {
  const r = await db.query(
    `UPDATE calls c SET provider_state = c.provider_state || '{"ringing": null}'::jsonb, updated_at = now()
       FROM (SELECT provider_state->'ringing' AS ringing FROM calls WHERE id = $1 FOR UPDATE) p
      WHERE c.id = $1 AND p.ringing->'legs' ? $2::text
      RETURNING p.ringing`,
    [callId, legSid],
  );
  const ringing: Ringing | null = r.rows[0]?.ringing ?? null;
  return { others: (ringing?.legs ?? []).filter((l) => l !== legSid), ringing };
}

const participantsOf = (config: Config, conference: string) => twilioClient(config).conferences(conference).participants;

/**
 * Rings the agent into the call's conference (browser client, and their phone if they have one). Participants are
 * created on the conference's SID when known, else on its name (Twilio accepts the friendly name when adding).
 */
export async function ringAgentIntoConference(
  deps: { db: Queryable; config: Config },
  call: CallRow,
  agent: { id: number; phone: string | null },
  opts: { warm?: boolean } = {},
): Promise<string[]> {
  const conference = call.conference_sid ?? call.conference_name;
  if (!conference) throw new HttpError(409, 'the call is not in a conference');
  const common = {
    timeout: 20,
    beep: 'false',
    startConferenceOnEnter: true,
    // the agent hanging up ends the call for the caller too (the caller's <Dial> action says goodbye)
    endConferenceOnExit: true,
    statusCallback: webhookUrl(deps.config, '/voice/agent-leg', { callId: call.id, agentId: agent.id }),
    statusCallbackEvent: ['answered', 'completed'],
    statusCallbackMethod: 'POST',
  };
  const ourNumber = call.our_number ?? (await senderNumber(deps.db, 'voice', null));
  const legs: string[] = [];
  const client = await participantsOf(deps.config, conference).create({
    ...common,
    // the browser shows who is calling
    from: call.direction === 'inbound' ? call.customer_number : (ourNumber ?? call.customer_number),
    to: `client:${agentIdentity(agent.id)}`,
    label: labels.agent(agent.id, 'client'),
  });
  legs.push(client.callSid);
  if (agent.phone && ourNumber) {
    // a phone leg must come from one of our numbers
    const phone = await participantsOf(deps.config, conference).create({ ...common, from: ourNumber, to: agent.phone, label: labels.agent(agent.id, 'phone') });
    legs.push(phone.callSid);
  }
  await setRinging(deps.db, call.id, { agentId: agent.id, legs, ...(opts.warm ? { warm: true } : {}) });
  return legs;
}

/** Hangs up a call leg (ringing or answered). */
export async function hangUpLeg(config: Config, callSid: string): Promise<void> {
  await twilioClient(config).calls(callSid).update({ status: 'completed' });
}

/** Whether the agent's leg hanging up ends the conference (not while a warm transfer's target takes over). */
export async function setEndsConference(config: Config, call: CallRow, legSid: string, ends: boolean): Promise<void> {
  await participantsOf(config, conferenceSidOf(call)).get(legSid).update({ endConferenceOnExit: ends });
}

function conferenceSidOf(call: CallRow): string {
  if (!call.conference_sid) throw new HttpError(409, 'the call is not in a conference yet');
  return call.conference_sid;
}

/** Twilio's participant flags for each monitoring mode (the Participants resource's Muted / Coaching / CallSidToCoach). */
function modeFlags(mode: MonitorMode, agentCallSid: string): { muted: boolean; coaching: boolean; callSidToCoach?: string } {
  if (mode === 'listen') return { muted: true, coaching: false };
  if (mode === 'whisper') return { muted: false, coaching: true, callSidToCoach: agentCallSid };
  return { muted: false, coaching: false };
}

/** Adds a supervisor to a live call's conference in a monitoring mode; answers their leg's CallSid. */
export async function addSupervisor(
  deps: { db: Queryable; config: Config },
  call: CallRow,
  s: { supervisorId: number; mode: MonitorMode; phone: string | null },
): Promise<string> {
  const t = deps.config.twilio;
  const browser = !!(t.apiKeySid && t.apiKeySecret && t.twimlAppSid);
  const ourNumber = call.our_number ?? (await senderNumber(deps.db, 'voice', null));
  // the browser softphone when the hub has one (like the agents'), else the supervisor's own phone
  const viaPhone = !browser && !!s.phone && !!ourNumber;
  if (!browser && !viaPhone) throw new HttpError(422, 'set your phone number under My profile (/profile), or configure browser calling (Voice SDK)');
  const p = await participantsOf(deps.config, conferenceSidOf(call)).create({
    from: viaPhone ? ourNumber! : call.customer_number,
    to: viaPhone ? s.phone! : `client:${agentIdentity(s.supervisorId)}`,
    label: labels.supervisor(s.supervisorId),
    timeout: 20,
    beep: 'false',
    // a supervisor neither starts nor ends the conversation
    startConferenceOnEnter: false,
    endConferenceOnExit: false,
    ...modeFlags(s.mode, call.agent_call_sid!),
    statusCallback: webhookUrl(deps.config, '/voice/monitor-leg', { callId: call.id, supervisorId: s.supervisorId }),
    statusCallbackEvent: ['answered', 'completed'],
    statusCallbackMethod: 'POST',
  });
  return p.callSid;
}

/** Switches a supervisor already in the conference to another mode (listen ↔ whisper ↔ barge). */
export async function setSupervisorMode(config: Config, call: CallRow, legSid: string, mode: MonitorMode): Promise<void> {
  await participantsOf(config, conferenceSidOf(call)).get(legSid).update(modeFlags(mode, call.agent_call_sid!));
}

/** Takes a supervisor out of the conference (Participants DELETE hangs their leg up). */
export async function removeSupervisor(config: Config, call: CallRow, legSid: string): Promise<void> {
  await participantsOf(config, conferenceSidOf(call)).get(legSid).remove();
}
