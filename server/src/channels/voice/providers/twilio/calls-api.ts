import type { Config } from '../../../../config.js';
import { HttpError, notFound } from '../../../../lib/errors.js';
import { senderNumber } from '../../../twilio/numbers.js';
import { isRetryableTwilioError, restErrorInfo, twilioClient } from '../../../twilio/client.js';
import { webhookUrl } from '../../../twilio/urls.js';
import { callById, claimCallForAgent, setCall, syncCallInteraction, type CallRow } from '../../calls.js';
import { agentIdentity } from '../../twiml-builders.js';
import { assignConference, ringAgentIntoConference, setEndsConference } from './conference.js';
import { checkPhoneNumber, destinationError } from '../../../../outbound/destination-policy.js';

import { outboundCallRefusal, placeOutboundCall, type OutboundDeps } from '../../outbound.js';

function providerError(err: unknown, what: string): HttpError {
  const e = restErrorInfo(err);
  return new HttpError(502, `Twilio could not ${what} (HTTP ${e.status ?? 'unreachable'}${e.code ? `, error ${e.code}` : ''}): ${e.message}`);
}

/**
 * Click-to-call for an agent on a phone: Twilio rings the agent first; when they answer, the `/outbound` TwiML
 * dials the customer and bridges the two. (Agents in the browser call through the Voice SDK and the TwiML app.)
 */
export async function clickToCall(deps: OutboundDeps, a: { caseId: number; agentId: number; to: string }): Promise<CallRow> {
  const refusal = await outboundCallRefusal(deps, a.caseId, a.to);
  if (refusal) throw destinationError(refusal);
  const agent = (await deps.db.query(`SELECT phone FROM agents WHERE id = $1`, [a.agentId])).rows[0];
  if (!agent?.phone) throw new HttpError(422, 'set your phone number under My profile (/profile), or call from the browser (Voice SDK)');
  // The first leg rings the agent's own phone: the same country and premium-rate rules apply to it.
  const agentPhone = checkPhoneNumber(deps.config.outbound.countries, agent.phone);
  if (agentPhone) throw destinationError({ ...agentPhone, reason: `your profile's phone number cannot be called: ${agentPhone.reason}` }, 'agentPhone');
  const from = await senderNumber(deps.db, 'voice', null);
  if (!from) throw new HttpError(422, 'no voice-enabled Twilio number is configured (Admin → Phone numbers, /admin/phone-numbers)');
  const placeholder = `pending-${a.caseId}-${a.agentId}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const call = await placeOutboundCall(deps, { ...a, callSid: placeholder, provider: 'twilio' });
  try {
    const created = await twilioClient(deps.config).calls.create({
      to: agent.phone,
      from,
      url: webhookUrl(deps.config, '/voice/outbound', { callId: call.id }),
      method: 'POST',
      statusCallback: webhookUrl(deps.config, '/voice/status'),
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      statusCallbackMethod: 'POST',
    });
    await deps.db.query(`UPDATE calls SET call_sid = $2, updated_at = now() WHERE id = $1`, [call.id, created.sid]);
    await deps.db.query(`UPDATE interactions SET provider_message_id = $2 WHERE id = $1`, [call.interaction_id, created.sid]);
    await syncCallInteraction(deps.db, call.id);
    return (await callById(deps.db, call.id))!;
  } catch (err) {
    await setCall(deps.db, call.id, { state: 'completed', outcome: 'failed', ended_at: new Date() });
    await deps.db.query(`UPDATE interactions SET delivery_status = 'failed', delivery_error = $2 WHERE id = $1`, [call.interaction_id, restErrorInfo(err).message]);
    throw providerError(err, 'place the call');
  }
}

/** Points a live call at new TwiML (the REST "redirect"). */
export async function redirectCall(config: Config, callSid: string, path: string, query: Record<string, string | number>): Promise<void> {
  await twilioClient(config).calls(callSid).update({ url: webhookUrl(config, path, query), method: 'POST' });
}

/**
 * Connects a queued caller to the agent who accepted the case: the call leaves the Twilio queue and dials the agent.
 * A caller who already hung up needs nothing; a transient Twilio failure is thrown so the worker retries.
 */
export async function connectCallToAgent(deps: OutboundDeps & { log?: { warn: (o: object, m: string) => void } }, caseId: number, agentId: number): Promise<boolean> {
  const call = await claimCallForAgent(deps.db, caseId, agentId);
  if (!call) return false;
  try {
    // a new conference for this connection: the agent is rung into it when the caller has joined
    await assignConference(deps.db, call.id);
    await redirectCall(deps.config, call.call_sid, '/voice/connect', { callId: call.id, agentId });
    await syncCallInteraction(deps.db, call.id);
    return true;
  } catch (err) {
    await setCall(deps.db, call.id, { state: call.prev_state, agent_id: call.prev_agent });
    if (isRetryableTwilioError(err)) throw err;
    // 4xx: the call is over (e.g. 21220 "call is not in-progress") — the status callback records the end.
    deps.log?.warn({ err: restErrorInfo(err), callId: call.id }, 'could not connect the queued call to its agent');
    return false;
  }
}

/** Moves a live call's customer leg to new TwiML and, for a warm transfer, brings both agents into a conference. */
export async function transferLiveCall(
  deps: OutboundDeps,
  call: CallRow,
  t: { mode: 'cold' | 'warm'; toAgentId?: number; toQueueId?: number },
): Promise<void> {
  // Remember which agent leg the transfer cuts off: that <Dial>'s action must not hang the caller up.
  await setCall(deps.db, call.id, { transfer: JSON.stringify({ ...t, fromLegSid: call.agent_call_sid, at: new Date().toISOString() }) });
  try {
    if (t.mode === 'cold') {
      if (t.toAgentId) {
        // The case is already the new agent's: ring them straight away (a claim, so the assignment's own trigger does not ring twice).
        await setCall(deps.db, call.id, { state: 'queued', agent_id: null });
        if (!(await connectCallToAgent(deps, call.case_id, t.toAgentId))) throw new HttpError(409, 'the call ended before it could be transferred');
        return;
      }
      await setCall(deps.db, call.id, { state: 'queued', agent_id: null, queue_id: t.toQueueId, queued_at: new Date() });
      await redirectCall(deps.config, call.call_sid, '/voice/requeue', { callId: call.id });
      return;
    }
    const target = (await deps.db.query(`SELECT id, phone FROM agents WHERE id = $1`, [t.toAgentId])).rows[0];
    if (!target) throw notFound('agent');
    const targetPhone = target.phone ? checkPhoneNumber(deps.config.outbound.countries, target.phone) : null;
    if (targetPhone) throw destinationError({ ...targetPhone, reason: `the other agent's phone number cannot be called: ${targetPhone.reason}` }, 'toAgentId');
    if (call.conference_sid && call.agent_call_sid) {
      // Already a conference: the first agent's hang-up must no longer end it, and the target rings into it.
      await setEndsConference(deps.config, call, call.agent_call_sid, false);
      await ringAgentIntoConference(deps, call, target, { warm: true });
      await setCall(deps.db, call.id, { agent_id: target.id });
      return;
    }
    // A call without a conference (a click-to-call): both legs move into one.
    await redirectCall(deps.config, call.call_sid, '/voice/conference', { callId: call.id, role: 'customer' });
    if (call.agent_call_sid) await redirectCall(deps.config, call.agent_call_sid, '/voice/conference', { callId: call.id, role: 'agent' });
    const from = call.our_number ?? (await senderNumber(deps.db, 'voice', null));
    await twilioClient(deps.config).calls.create({
      to: target.phone ?? `client:${agentIdentity(target.id)}`,
      from: from ?? call.customer_number,
      url: webhookUrl(deps.config, '/voice/conference', { callId: call.id, role: 'target' }),
      method: 'POST',
    });
    await setCall(deps.db, call.id, { agent_id: target.id });
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw providerError(err, 'transfer the call');
  }
}
