import type { Config } from '../../../../config.js';
import { HttpError, notFound } from '../../../../lib/errors.js';
import { destinationError } from '../../../../outbound/destination-policy.js';
import { senderNumber } from '../../../twilio/numbers.js';
import { callById, claimCallForAgent, publishCall, setCall, type CallRow } from '../../calls.js';
import { outboundCallRefusal, placeOutboundCall } from '../../outbound.js';
import type { MonitorMode, VoiceProvider, VoiceProviderDeps } from '../../provider.js';
import { AriClient, AriError, isGone, isRetryableAri } from './ari.js';
import { endpointFor, ids, legArgs } from './names.js';
import { addMonitor, patchState, stateOf } from './state.js';
import { agentDidNotAnswer } from '../../lifecycle.js';
import { bestEffort } from '../../../../lib/best-effort.js';
import { playPrompts, type PromptPlay } from './media.js';

/** How long an agent's endpoint rings before the caller goes back to waiting in place. */
export const AGENT_RING_SECONDS = 20;

const clients = new Map<string, AriClient>();

export function ariFor(config: Config): AriClient {
  const a = config.asterisk;
  if (!a) throw new HttpError(422, 'Asterisk is not configured: set ASTERISK_ARI_URL, ASTERISK_ARI_USER and ASTERISK_ARI_PASSWORD');
  const key = `${a.ariUrl}|${a.username}|${a.app}`;
  let c = clients.get(key);
  if (!c) clients.set(key, (c = new AriClient({ ariUrl: a.ariUrl, username: a.username, password: a.password, app: a.app })));
  return c;
}

export function agentEndpoint(config: Config, agentId: number): string {
  return endpointFor(config.asterisk!.agentEndpoint, { agentId });
}

function providerError(err: unknown, what: string): HttpError {
  if (err instanceof HttpError) return err;
  return new HttpError(502, `Asterisk could not ${what}: ${(err as Error).message}`);
}

/**
 * Rings an agent's endpoint for a call: an originated channel into the Stasis app, named after the call, which the
 * app's owner bridges with the caller when it answers (StasisStart) or gives up on when it does not (ChannelDestroyed).
 */
export async function ringAgent(deps: VoiceProviderDeps, call: CallRow, agentId: number, role: 'agent' | 'warm'): Promise<string> {
  const ari = ariFor(deps.config);
  const channelId = ids.agentLeg(call.id, agentId);
  await patchState(deps.db, call.id, { ringing: { channelId, agentId, role } });
  await ari.originate({
    endpoint: agentEndpoint(deps.config, agentId),
    channelId,
    appArgs: legArgs(role, call.id, agentId),
    callerId: call.direction === 'inbound' ? call.customer_number : (call.our_number ?? undefined),
    timeout: AGENT_RING_SECONDS,
  });
  return channelId;
}

/**
 * Asterisk over ARI: the Stasis application (app.ts) answers and holds callers and reacts to channel events; the
 * actions here are REST calls any node may make, leaving what they started in the call row for the app's owner.
 */
export const asteriskVoice: VoiceProvider = {
  name: 'asterisk',
  configured: (config) => !!config.asterisk,

  async connectToAgent(deps, caseId, agentId) {
    const call = await claimCallForAgent(deps.db, caseId, agentId);
    if (!call) return false;
    try {
      await ringAgent(deps, call, agentId, 'agent');
      await publishCall(deps.db, undefined, call.id);
      await tellCaller(deps, call, { name: 'connecting' });
      return true;
    } catch (err) {
      await setCall(deps.db, call.id, { state: call.prev_state, agent_id: call.prev_agent });
      if (isRetryableAri(err)) throw err;
      // The endpoint cannot be called (unknown, unregistered) or the caller is gone: the caller keeps waiting in
      // place for another agent (a gone caller's hang-up is handled by the app).
      deps.log?.warn({ err: (err as Error).message, callId: call.id, agentId }, 'asterisk: could not ring the agent');
      return false;
    }
  },

  async transfer(deps, call, t) {
    const ari = ariFor(deps.config);
    const st = stateOf(call);
    try {
      if (t.mode === 'cold') {
        // The agent leaves; the caller hears hold music until the new holder answers (or the queue offers them).
        const leaving = call.agent_call_sid;
        await patchState(deps.db, call.id, { releasedLegs: [...(st.releasedLegs ?? []), ...(leaving ? [leaving] : [])] });
        if (t.toAgentId) {
          await setCall(deps.db, call.id, { state: 'queued', agent_id: null });
        } else {
          await setCall(deps.db, call.id, { state: 'queued', agent_id: null, queue_id: t.toQueueId, queued_at: new Date() });
        }
        if (leaving) await ari.hangup(leaving).catch((err) => { if (!isGone(err)) throw err; });
        // an agent still ringing (not answered yet) is called off too, so a late answer cannot take the caller back
        if (st.ringing) {
          await patchState(deps.db, call.id, { ringing: null });
          await ari.hangup(st.ringing.channelId).catch((err) => { if (!isGone(err)) throw err; });
        }
        await ari.startMoh(call.call_sid, deps.config.asterisk!.mohClass).catch((err) => { if (!isGone(err)) throw err; });
        // the prompt interrupts the music; the app starts it again when the prompt ends (a 'hold' playback)
        await tellCaller(deps, call, { name: 'transferHold' });
        if (t.toAgentId && !(await asteriskVoice.connectToAgent(deps, call.case_id, t.toAgentId))) {
          throw new HttpError(409, 'the call ended before it could be transferred');
        }
        await publishCall(deps.db, undefined, call.id);
        return;
      }
      // Warm: the target agent is rung into the same bridge; the first agent leaves when they are done talking.
      if (!t.toAgentId) throw new HttpError(400, 'a warm transfer needs toAgentId');
      await ringAgent(deps, call, t.toAgentId, 'warm');
    } catch (err) {
      throw providerError(err, 'transfer the call');
    }
  },

  async placeCall(deps, a) {
    const cfg = deps.config.asterisk;
    if (!cfg) throw new HttpError(422, 'Asterisk is not configured');
    const refusal = await outboundCallRefusal(deps, a.caseId, a.to);
    if (refusal) throw destinationError(refusal);
    const from = await senderNumber(deps.db, 'voice', null);
    const customerLeg = ids.outboundCustomerLeg();
    const call = await placeOutboundCall(deps, { ...a, callSid: customerLeg, provider: 'asterisk', from });
    const agentLeg = ids.outboundAgentLeg(call.id);
    await patchState(deps.db, call.id, { outboundAgentLeg: agentLeg });
    try {
      // The agent's endpoint rings first; when they answer, the app dials the customer and bridges the two.
      await ariFor(deps.config).originate({
        endpoint: agentEndpoint(deps.config, a.agentId),
        channelId: agentLeg,
        appArgs: legArgs('c2c-agent', call.id, a.agentId),
        callerId: a.to,
        timeout: AGENT_RING_SECONDS,
      });
      return (await callById(deps.db, call.id))!;
    } catch (err) {
      await setCall(deps.db, call.id, { state: 'completed', outcome: 'failed', ended_at: new Date() });
      await deps.db.query(`UPDATE interactions SET delivery_status = 'failed', delivery_error = $2 WHERE id = $1`, [call.interaction_id, (err as Error).message]);
      throw providerError(err, 'place the call');
    }
  },

  async monitor(deps, call, m) {
    const ari = ariFor(deps.config);
    if (call.state !== 'in_progress' || !call.agent_call_sid) throw new HttpError(409, `the call is ${call.state.replace('_', ' ')}; only a call with an agent can be listened to`);
    const legId = ids.supervisorLeg(call.id, m.supervisorId);
    try {
      // A snoop's whisper direction is fixed when it is made: a new mode is a new leg (the old one hangs up; the app
      // cleans up its snoop when the channel is gone).
      if (m.current) await ari.hangup(m.current.legId).catch((err) => {
        if (!isGone(err)) throw err;
      });
      let snoopId: string | null = null;
      if (m.mode !== 'barge') {
        // A snoop channel on the agent's leg hears both sides; whispering speaks only into what the agent hears.
        snoopId = ids.snoop(call.id, m.supervisorId);
        await ari.snoop(call.agent_call_sid, { snoopId, spy: 'both', whisper: m.mode === 'whisper' ? 'out' : 'none', appArgs: legArgs('snoop', call.id, m.supervisorId) });
      }
      await addMonitor(deps.db, call.id, legId, { supervisorId: m.supervisorId, snoopId, mode: m.mode });
      await ari.originate({
        endpoint: agentEndpoint(deps.config, m.supervisorId),
        channelId: legId,
        appArgs: legArgs(m.mode === 'barge' ? 'barge' : 'supervisor', call.id, m.supervisorId, snoopId ?? ''),
        callerId: call.customer_number,
        timeout: AGENT_RING_SECONDS,
      });
      return { mode: m.mode as MonitorMode, legId };
    } catch (err) {
      if (err instanceof AriError && isGone(err)) throw new HttpError(409, 'the call ended');
      throw providerError(err, 'connect the supervisor');
    }
  },

  async endMonitor(deps, _call, legId) {
    try {
      await ariFor(deps.config).hangup(legId);
    } catch (err) {
      if (!isGone(err)) throw providerError(err, 'end the supervisor’s leg');
    }
  },

  async recordingAudio(deps, rec) {
    try {
      return await ariFor(deps.config).recordingFile(rec.sid);
    } catch (err) {
      if (isGone(err)) throw notFound('recording');
      throw providerError(err, 'fetch the recording');
    }
  },
};

/** The agent's endpoint did not answer (or could not be reached): the caller waits again, keeping their place. */
export async function agentLegFailed(deps: VoiceProviderDeps & Parameters<typeof agentDidNotAnswer>[0], callId: number, channelId: string): Promise<void> {
  const call = await callById(deps.db, callId);
  if (!call) return;
  const ringing = stateOf(call).ringing;
  if (!ringing || ringing.channelId !== channelId) return;
  await patchState(deps.db, callId, { ringing: null });
  if (ringing.role === 'agent' && call.state === 'connecting' && call.agent_id === ringing.agentId) {
    await agentDidNotAnswer(deps, callId, ringing.agentId);
    await tellCaller(deps, call, { name: 'agentNotReached' });
  }
}

/**
 * A prompt for a caller who keeps waiting (connecting, transfer hold, agent not reached), then hold music again when it
 * ends (a 'hold' playback). What the caller hears is secondary to the call itself: a failure is logged, not thrown.
 */
async function tellCaller(deps: VoiceProviderDeps, call: CallRow, prompt: PromptPlay): Promise<void> {
  await bestEffort(playPrompts(deps, ariFor(deps.config), call, [prompt], 'hold'), deps.log, `asterisk: playing "${prompt.name}" to call ${call.id}`);
}
