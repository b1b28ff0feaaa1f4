import type { Redis } from 'ioredis';
import type { Config } from '../../../../config.js';
import type { IngestDeps } from '../../../../ingest/pipeline.js';
import type { RoutingDeps } from '../../../../lifecycle/deps.js';
import type { Log } from '../../../../lib/log.js';
import { InvalidIdentityError, normaliseIdentity } from '../../../../ingest/identity.js';
import { isOpen, phoneNumberByE164, phoneNumberById, type PhoneNumberConfig } from '../../../twilio/numbers.js';
import { openingHoursFor } from '../../../../business-hours/opening-hours.js';
import { callById, callBySid, callerLanguage, publishCall, setCall, type CallRow } from '../../calls.js';
import { ingestInboundCall, leaveMenu } from '../../inbound.js';
import { callEnded, callerLeftQueue, recordCallRecording, recordTalkTime, recordVoicemail } from '../../lifecycle.js';
import { estimatedWaitSeconds } from '../../twiml-builders.js';
import { AriClient, isGone, type AriChannel, type AriEvent, type AriLiveRecording, type AriPlayback } from './ari.js';
import { openEventSocket } from './events.js';
import { AppLease } from './lease.js';
import { playPrompts, promptMedia, type PromptName, type PromptPlay } from './media.js';
import { endpointFor, ids, legArgs, parseLegArgs, parsePlayback, parseRecording, type PlaybackPurpose } from './names.js';
import { addLeg, dropMonitor, patchState, stateOf, takeLeg } from './state.js';
import { endMonitor, monitorByLeg } from '../../monitors.js';
import { agentLegFailed, ariFor } from './index.js';

export interface AsteriskAppDeps extends RoutingDeps {
  config: Config;
  log: Log;
  ingest: IngestDeps;
  /** Redis for the app's ownership lease */
  redis: Redis;
}

/** Agent legs whose time is talk time (AHT): not a supervisor barging in, not a click-to-call's first leg. */
const countsTalk = (role: string) => role === 'agent' || role === 'warm';

/** ISDN causes Asterisk reports for an originated channel that never answered. */
const BUSY_CAUSES = new Set([17]);
const NO_ANSWER_CAUSES = new Set([18, 19, 21]);

/**
 * The Stasis application `contact-hub` (ASTERISK_APP): the dialplan's `Stasis(contact-hub)` hands it each call. Only the
 * holder of the app's lease (one process across nodes) listens to the event socket, so one process handles a channel;
 * every fact it needs is in Postgres (calls, provider_state), so any node can take over and re-attach.
 */
export function startAsteriskApp(deps: AsteriskAppDeps): { close(): Promise<void>; owner(): boolean } {
  const cfg = deps.config.asterisk!;
  const ari: AriClient = ariFor(deps.config);
  const lease = new AppLease(deps.redis, `${deps.config.queuePrefix}:asterisk:${cfg.app}:owner`, Math.max(cfg.sweepMs * 5, 5000));
  const vdeps = { ...deps, db: deps.db };
  let socket: ReturnType<typeof openEventSocket> | null = null;
  let stopped = false;
  let busy = false;

  // ---------- small helpers ----------
  const ignoreGone = (err: unknown) => {
    if (!isGone(err)) throw err;
  };
  const play = (call: CallRow, prompts: PromptPlay[], purpose: PlaybackPurpose, o: { lang?: string; number?: PhoneNumberConfig | null } = {}) =>
    playPrompts(deps, ari, call, prompts, purpose, o);
  const hold = async (call: CallRow) => {
    await ari.startMoh(call.call_sid, cfg.mohClass).catch(ignoreGone);
  };
  const hangup = async (channelId: string) => {
    await ari.hangup(channelId).catch(ignoreGone);
  };
  const phone = (raw: string | undefined): string | null => {
    if (!raw) return null;
    try {
      return normaliseIdentity('phone', raw, deps.config.twilio.defaultCountry);
    } catch (err) {
      if (err instanceof InvalidIdentityError) return null;
      throw err;
    }
  };

  // ---------- a caller arrives ----------
  async function callerArrived(ch: AriChannel, args: string[]): Promise<void> {
    const existing = await callBySid(deps.db, ch.id);
    if (existing) return; // a repeated StasisStart (re-subscription): the call is handled already
    await ari.answer(ch.id);
    // the dialled number: Stasis(contact-hub,${EXTEN}) passes it; else the channel's extension
    const toRaw = args[0] || ch.dialplan?.exten || '';
    const to = phone(toRaw);
    const number = to ? await phoneNumberByE164(deps.db, to) : null;
    const callerPhone = phone(ch.caller?.number);
    if (number && !number.voiceEnabled) {
      const lang = number.defaultLanguage;
      await ari.play(ch.id, `ch-pb-0-hangup-${ch.id}`, promptMedia(deps.config, [{ name: 'notInService' }], lang, number), lang).catch(ignoreGone);
      return;
    }
    const open = isOpen(number?.businessHours ?? (await openingHoursFor(deps.db, number?.queueId ?? null)));
    const { call } = await ingestInboundCall(
      { ingest: deps.ingest, realtime: deps.realtime },
      {
        provider: 'asterisk',
        callSid: ch.id,
        callerPhone,
        to,
        toRaw,
        number,
        callerName: ch.caller?.name || undefined,
        open,
        initialState: !open ? 'voicemail' : number?.ivr?.options?.length ? 'ivr' : 'queued',
        providerStatus: ch.state,
        metadata: { channel: ch.name },
        raw: { type: 'StasisStart', channel: ch, args },
      },
    );
    const lang = await callerLanguage(deps.db, call.case_id);
    if (!open) {
      await setCall(deps.db, call.id, { outcome: 'after_hours', state: 'voicemail' });
      await startVoicemail(call, 'afterHours', number?.afterHoursMessage?.[lang] ?? null, number?.voicemailEnabled ?? true, number);
      return;
    }
    await patchState(deps.db, call.id, { lastPositionAt: new Date().toISOString() });
    const greeting = { name: 'greeting' as const, override: number?.greeting?.[lang] ?? null };
    if (call.state === 'ivr' && number?.ivr) {
      // the menu: its prompt, then per option its recorded label (if any) and "press <digit>"; a digit may come at any time
      const options = number.ivr.options.map((o): PromptPlay => ({ name: 'menuOption', digit: o.digit, override: o.label?.[lang] ?? null }));
      const id = await play(call, [greeting, { name: 'menu', override: number.ivr.prompt?.[lang] ?? null }, ...options], 'menu', { lang, number });
      await patchState(deps.db, call.id, { menuPlayback: id });
      return;
    }
    await play(call, [greeting], 'hold', { lang, number });
  }

  /** A digit from a caller in the menu (or its timeout, digit null): the caller waits in the chosen queue. */
  async function menuAnswered(call: CallRow, digit: string | null): Promise<void> {
    if (call.state !== 'ivr') return;
    const number = call.phone_number_id ? await phoneNumberById(deps.db, call.phone_number_id) : null;
    const st = stateOf(call);
    if (st.menuPlayback) await ari.stopPlayback(st.menuPlayback).catch(ignoreGone);
    const fresh = await leaveMenu(vdeps, call, number, digit);
    await patchState(deps.db, call.id, { menuPlayback: null, lastPositionAt: new Date().toISOString() });
    if (fresh.state === 'queued') await hold(fresh);
  }

  // ---------- voicemail ----------
  async function startVoicemail(call: CallRow, intro: PromptName, override: string | null, enabled: boolean, number: PhoneNumberConfig | null): Promise<void> {
    await ari.stopMoh(call.call_sid).catch(ignoreGone);
    if (!enabled) {
      await play(call, [{ name: intro, override }, { name: 'noVoicemail' }], 'hangup', { number });
      return;
    }
    await play(call, [{ name: intro, override }, { name: 'leaveMessage' }], 'voicemail', { number });
  }

  async function recordVoicemailNow(call: CallRow): Promise<void> {
    const name = ids.voicemail(call.id);
    await patchState(deps.db, call.id, { voicemail: name });
    await ari
      .recordChannel(call.call_sid, { name, format: 'wav', maxDurationSeconds: 180, maxSilenceSeconds: 5, beep: true, terminateOn: '#', ifExists: 'overwrite' })
      .catch(ignoreGone);
  }

  /** The queue's maximum wait is over for a waiting caller: claim the call (one actor), then voicemail. */
  async function maxWaitReached(callId: number): Promise<void> {
    const r = await deps.db.query(`UPDATE calls SET state = 'voicemail', updated_at = now() WHERE id = $1 AND state = 'queued' AND outcome IS NULL RETURNING id`, [callId]);
    if (!r.rowCount) return;
    await callerLeftQueue(vdeps, callId, 'missed');
    const call = (await callById(deps.db, callId))!;
    const number = call.phone_number_id ? await phoneNumberById(deps.db, call.phone_number_id) : null;
    await startVoicemail(call, 'allBusy', null, number?.voicemailEnabled ?? true, number);
  }

  // ---------- agents ----------
  async function ensureBridge(call: CallRow): Promise<string> {
    const bridgeId = stateOf(call).bridgeId ?? ids.bridge(call.id);
    await ari.createBridge(bridgeId, `call-${call.id}`);
    if (!stateOf(call).bridgeId) await patchState(deps.db, call.id, { bridgeId });
    return bridgeId;
  }

  async function startRecording(call: CallRow, bridgeId: string): Promise<void> {
    if (stateOf(call).recording) return;
    const name = ids.callRecording(call.id);
    await patchState(deps.db, call.id, { recording: name });
    await ari.recordBridge(bridgeId, { name, format: 'wav', ifExists: 'overwrite' });
  }

  /** An agent's endpoint answered (StasisStart of the leg the hub originated): bridge them with the caller. */
  async function agentAnswered(ch: AriChannel, role: 'agent' | 'warm' | 'barge', callId: number, agentId: number): Promise<void> {
    const call = await callById(deps.db, callId);
    const st = call ? stateOf(call) : null;
    const expected = role === 'barge' || (st?.ringing?.channelId === ch.id && call?.state !== 'completed');
    if (!call || call.state === 'completed' || !expected) {
      await hangup(ch.id); // the caller is gone, or this leg was given up on
      return;
    }
    await ari.stopMoh(call.call_sid).catch(ignoreGone);
    const bridgeId = await ensureBridge(call);
    // after a transfer the caller is still in the bridge; adding a member twice is refused
    const inBridge = new Set((await ari.getBridge(bridgeId)).channels);
    await ari.addToBridge(bridgeId, [call.call_sid, ch.id].filter((c) => !inBridge.has(c)));
    await addLeg(deps.db, call.id, ch.id, { agentId, answeredAt: new Date().toISOString(), role });
    if (role === 'barge') return;
    await patchState(deps.db, call.id, { ringing: null });
    await setCall(deps.db, call.id, { state: 'in_progress', agent_id: agentId, agent_call_sid: ch.id, answered_at: call.answered_at ?? new Date() });
    await startRecording((await callById(deps.db, call.id))!, bridgeId);
    await publishCall(deps.db, deps.realtime, call.id);
  }

  /** An answered agent leg ended: their talk time counts; the call ends with the last agent (unless it was transferred away). */
  async function agentLegEnded(ch: AriChannel, callId: number): Promise<void> {
    const leg = await takeLeg(deps.db, callId, ch.id);
    if (!leg) return;
    const talk = Math.max(0, Math.round((Date.now() - Date.parse(leg.answeredAt)) / 1000));
    if (countsTalk(leg.role)) await recordTalkTime(vdeps, callId, talk, leg.agentId, ch.id);
    const call = (await callById(deps.db, callId))!;
    if (leg.role === 'c2c-agent') {
      // click-to-call: the agent hung up; so does the customer's leg (talk time is counted from the customer's answer)
      if (call.state !== 'completed') await ari.hangup(call.call_sid).catch(async (err) => (isGone(err) ? callerGone(call.id) : Promise.reject(err)));
      return;
    }
    const st = stateOf(call);
    if (call.state === 'completed') return;
    const released = st.releasedLegs?.includes(ch.id);
    const agentsLeft = Object.values(st.legs ?? {}).filter((l) => l.role !== 'barge');
    if (released || agentsLeft.length) {
      if (agentsLeft.length && call.agent_call_sid === ch.id) {
        const [nextId, next] = Object.entries(st.legs ?? {}).find(([, l]) => l.role !== 'barge')!;
        await setCall(deps.db, call.id, { agent_call_sid: nextId, agent_id: next.agentId });
        await publishCall(deps.db, deps.realtime, call.id);
      }
      return;
    }
    // the agent hung up: the conversation is over for the caller too
    if (call.direction === 'inbound') await play(call, [{ name: 'goodbye' }], 'hangup');
    else await hangup(call.call_sid);
  }

  /** The caller's channel is gone (hang-up, or Asterisk lost it while the hub was away). */
  async function callerGone(callId: number): Promise<void> {
    const call = await callById(deps.db, callId);
    if (!call || call.state === 'completed') return;
    const st = stateOf(call);
    if ((call.state === 'queued' || call.state === 'ivr') && !call.outcome) await callerLeftQueue(vdeps, call.id, 'abandoned');
    for (const legId of Object.keys(st.legs ?? {})) {
      const leg = await takeLeg(deps.db, call.id, legId);
      if (leg && countsTalk(leg.role)) await recordTalkTime(vdeps, call.id, Math.max(0, Math.round((Date.now() - Date.parse(leg.answeredAt)) / 1000)), leg.agentId, legId);
      await hangup(legId);
    }
    if (st.ringing) await hangup(st.ringing.channelId);
    for (const [legId, m] of Object.entries(st.monitors ?? {})) {
      await hangup(legId);
      if (m.snoopId) await hangup(m.snoopId);
    }
    if (st.outboundAgentLeg) await hangup(st.outboundAgentLeg);
    if (st.bridgeId) await ari.destroyBridge(st.bridgeId).catch(ignoreGone);
    const total = Math.max(0, Math.round((Date.now() - new Date((call as CallRow & { created_at: Date }).created_at).getTime()) / 1000));
    await callEnded(vdeps, call.id, 'completed', total);
  }

  // ---------- click-to-call ----------
  async function outboundAgentAnswered(ch: AriChannel, callId: number, agentId: number): Promise<void> {
    const call = await callById(deps.db, callId);
    if (!call || call.state === 'completed') return hangup(ch.id);
    const bridgeId = await ensureBridge(call);
    await ari.addToBridge(bridgeId, [ch.id]);
    await addLeg(deps.db, call.id, ch.id, { agentId, answeredAt: new Date().toISOString(), role: 'c2c-agent' });
    await setCall(deps.db, call.id, { state: 'connecting', agent_call_sid: ch.id });
    await ari.originate({
      endpoint: endpointFor(cfg.outboundEndpoint, { number: call.customer_number.replace(/^\+/, ''), e164: call.customer_number }),
      channelId: call.call_sid,
      appArgs: legArgs('c2c-customer', call.id, agentId),
      callerId: call.our_number ?? undefined,
      timeout: 30,
    });
    await publishCall(deps.db, deps.realtime, call.id);
  }

  async function outboundCustomerAnswered(ch: AriChannel, callId: number): Promise<void> {
    const call = await callById(deps.db, callId);
    if (!call || call.state === 'completed') return hangup(ch.id);
    const bridgeId = await ensureBridge(call);
    await ari.addToBridge(bridgeId, [ch.id]);
    await setCall(deps.db, call.id, { state: 'in_progress', outcome: 'answered', answered_at: new Date() });
    await startRecording((await callById(deps.db, call.id))!, bridgeId);
    await publishCall(deps.db, deps.realtime, call.id);
  }

  // ---------- supervisors ----------
  async function supervisorAnswered(ch: AriChannel, callId: number, snoopId: string): Promise<void> {
    const call = await callById(deps.db, callId);
    if (!call || call.state === 'completed' || !stateOf(call).monitors?.[ch.id]) return hangup(ch.id);
    const bridgeId = ids.monitorBridge(snoopId);
    await ari.createBridge(bridgeId, `monitor-${call.id}`);
    await ari.addToBridge(bridgeId, [snoopId, ch.id]);
  }

  async function supervisorLegEnded(callId: number, legId: string): Promise<void> {
    const call = await callById(deps.db, callId);
    const m = call ? stateOf(call).monitors?.[legId] : undefined;
    const row = await monitorByLeg(deps.db, legId);
    if (row) await endMonitor(deps.db, row, { reason: 'hung_up' });
    if (!m) return;
    await dropMonitor(deps.db, callId, legId);
    if (m.snoopId) {
      await hangup(m.snoopId);
      await ari.destroyBridge(ids.monitorBridge(m.snoopId)).catch(ignoreGone);
    }
  }

  // ---------- events ----------
  async function onEvent(e: AriEvent): Promise<void> {
    switch (e.type) {
      case 'StasisStart': {
        const ev = e as Extract<AriEvent, { type: 'StasisStart'; args: string[] }>;
        const leg = parseLegArgs(ev.args ?? []);
        if (!leg) return callerArrived(ev.channel, ev.args ?? []);
        if (leg.role === 'agent' || leg.role === 'warm' || leg.role === 'barge') return agentAnswered(ev.channel, leg.role, leg.callId, leg.agentId);
        if (leg.role === 'supervisor') return supervisorAnswered(ev.channel, leg.callId, leg.extra);
        if (leg.role === 'c2c-agent') return outboundAgentAnswered(ev.channel, leg.callId, leg.agentId);
        if (leg.role === 'c2c-customer') return outboundCustomerAnswered(ev.channel, leg.callId);
        return; // a snoop channel waits in the app until its supervisor answers
      }
      case 'ChannelHangupRequest':
      case 'StasisEnd':
        return channelGone((e as { channel: AriChannel }).channel);
      case 'ChannelDestroyed': {
        const ev = e as Extract<AriEvent, { type: 'ChannelDestroyed'; cause: number }>;
        return channelDestroyed(ev.channel, ev.cause);
      }
      case 'PlaybackFinished': {
        const pb = (e as { playback: AriPlayback }).playback;
        return playbackFinished(pb.id, pb.target_uri);
      }
      case 'RecordingFinished': {
        const rec = (e as { recording: AriLiveRecording }).recording;
        return recordingFinished(rec.name, rec.duration ?? null);
      }
      case 'ChannelDtmfReceived': {
        const ev = e as { digit: string; channel: AriChannel };
        const call = await callBySid(deps.db, ev.channel.id);
        // a digit matters only in the menu (the voicemail's '#' is handled by Asterisk's recording)
        if (call?.provider === 'asterisk' && call.state === 'ivr') await menuAnswered(call, ev.digit);
        return;
      }
      default:
        return; // ChannelStateChange and the rest: nothing to do
    }
  }

  async function channelGone(ch: AriChannel): Promise<void> {
    const leg = /^ch-(agent|sup|c2ca)-(\d+)-/.exec(ch.id);
    if (leg) {
      const callId = Number(leg[2]);
      if (leg[1] === 'sup') {
        await agentLegEnded(ch, callId); // a barge leg counts as a leg in the bridge
        return supervisorLegEnded(callId, ch.id);
      }
      return agentLegEnded(ch, callId);
    }
    const snoop = /^ch-snoop-(\d+)-/.exec(ch.id);
    if (snoop) {
      const call = await callById(deps.db, Number(snoop[1]));
      const entry = call && Object.entries(stateOf(call).monitors ?? {}).find(([, m]) => m.snoopId === ch.id);
      if (entry) {
        await hangup(entry[0]);
        await supervisorLegEnded(call!.id, entry[0]);
      }
      return;
    }
    const call = await callBySid(deps.db, ch.id);
    if (call?.provider === 'asterisk') await callerGone(call.id);
  }

  async function channelDestroyed(ch: AriChannel, cause: number): Promise<void> {
    const leg = /^ch-agent-(\d+)-/.exec(ch.id);
    if (leg) {
      // never answered (no StasisStart): ring out, busy, rejected, unreachable
      await agentLegFailed(vdeps, Number(leg[1]), ch.id);
      return channelGone(ch);
    }
    const call = await callBySid(deps.db, ch.id);
    if (call?.provider === 'asterisk' && call.direction === 'outbound' && call.state !== 'in_progress' && call.state !== 'completed') {
      await setCall(deps.db, call.id, { outcome: BUSY_CAUSES.has(cause) ? 'busy' : NO_ANSWER_CAUSES.has(cause) ? 'no_answer' : 'failed' });
    }
    return channelGone(ch);
  }

  async function playbackFinished(id: string, target: string): Promise<void> {
    const channelId = target.replace(/^channel:/, '');
    const p = parsePlayback(id);
    if (!p) return;
    if (p.callId === 0) return hangup(channelId); // a number that does not take calls
    const call = await callById(deps.db, p.callId);
    if (!call || call.state === 'completed') return;
    if (p.purpose === 'hangup') return hangup(call.call_sid);
    if (p.purpose === 'voicemail') return recordVoicemailNow(call);
    if (p.purpose === 'menu') {
      if (call.state === 'ivr') await patchState(deps.db, call.id, { menuAt: new Date().toISOString(), menuPlayback: null });
      return;
    }
    if (call.state === 'queued' || call.state === 'connecting') await hold(call);
  }

  async function recordingFinished(name: string, duration: number | null): Promise<void> {
    const r = parseRecording(name);
    if (!r) return;
    const call = await callById(deps.db, r.callId);
    if (!call) return;
    const v = { recordingSid: name, url: `ari:recordings/stored/${name}`, durationSeconds: duration ?? undefined, status: 'completed' };
    if (r.kind === 'call') {
      await recordCallRecording(deps.db, call.id, v);
      await patchState(deps.db, call.id, { recording: null });
      return;
    }
    await recordVoicemail(vdeps, call.id, v);
    if (call.state !== 'completed') await play(call, [{ name: 'thanksMessage' }], 'hangup');
  }

  // ---------- sweep: maximum wait, position prompts ----------
  async function sweep(): Promise<void> {
    const due = await deps.db.query(
      `SELECT c.id FROM calls c JOIN queues q ON q.id = c.queue_id
        WHERE c.provider = 'asterisk' AND c.state = 'queued' AND c.outcome IS NULL AND q.max_wait_seconds > 0
          AND c.queued_at + make_interval(secs => q.max_wait_seconds) <= now()`,
    );
    for (const row of due.rows as { id: number }[]) await maxWaitReached(row.id);
    // callers who heard the menu and pressed nothing within its timeout go to the number's queue
    const menus = await deps.db.query(
      `SELECT c.* FROM calls c JOIN phone_numbers n ON n.id = c.phone_number_id
        WHERE c.provider = 'asterisk' AND c.state = 'ivr' AND c.provider_state->>'menuAt' IS NOT NULL
          AND (c.provider_state->>'menuAt')::timestamptz + make_interval(secs => COALESCE((n.ivr->>'timeoutSeconds')::int, 6)) <= now()`,
    );
    for (const call of menus.rows as CallRow[]) await menuAnswered(call, null);
    const waiting = await deps.db.query(
      `SELECT c.*, (SELECT count(*) FROM calls o WHERE o.provider = c.provider AND o.state = 'queued' AND o.queue_id IS NOT DISTINCT FROM c.queue_id
                      AND o.queued_at <= c.queued_at)::int AS position
         FROM calls c
        WHERE c.provider = 'asterisk' AND c.state = 'queued'
          AND COALESCE((c.provider_state->>'lastPositionAt')::timestamptz, c.queued_at) <= now() - make_interval(secs => $1)`,
      [cfg.positionPromptSeconds],
    );
    for (const call of waiting.rows as (CallRow & { position: number })[]) {
      await patchState(deps.db, call.id, { lastPositionAt: new Date().toISOString() });
      const est = await estimatedWaitSeconds(deps.db, call.queue_id, call.position);
      await ari.stopMoh(call.call_sid).catch(ignoreGone);
      await play(call, [{ name: 'position', n: call.position }, { name: 'estimate', n: Math.ceil(est / 60) }], 'hold');
    }
  }

  // ---------- re-attach after a restart of the hub or of Asterisk ----------
  async function reattach(): Promise<void> {
    const live = new Set((await ari.listChannels()).map((c) => c.id));
    const calls = await deps.db.query(`SELECT * FROM calls WHERE provider = 'asterisk' AND state <> 'completed' ORDER BY id`);
    for (const call of calls.rows as CallRow[]) {
      const st = stateOf(call);
      if (!live.has(call.call_sid)) {
        // the caller hung up (or Asterisk restarted) while nobody listened
        if (call.direction === 'outbound' && call.state === 'ringing' && st.outboundAgentLeg && live.has(st.outboundAgentLeg)) continue;
        await callerGone(call.id);
        continue;
      }
      for (const legId of Object.keys(st.legs ?? {})) {
        if (!live.has(legId)) await agentLegEnded({ id: legId } as AriChannel, call.id);
      }
      for (const legId of Object.keys(st.monitors ?? {})) if (!live.has(legId)) await supervisorLegEnded(call.id, legId);
      if (st.ringing && !live.has(st.ringing.channelId)) {
        // the agent's phone stopped ringing while nobody listened; if it was answered, its leg would still be up
        await agentLegFailed(vdeps, call.id, st.ringing.channelId);
      } else if (st.ringing) {
        const ch = await ari.getChannel(st.ringing.channelId).catch(() => null);
        if (ch?.state === 'Up') await agentAnswered(ch, st.ringing.role, call.id, st.ringing.agentId);
      }
      const fresh = (await callById(deps.db, call.id))!;
      if (fresh.state === 'queued' || (fresh.state === 'connecting' && fresh.direction === 'inbound')) await hold(fresh);
    }
  }

  // ---------- ownership ----------
  async function tick(): Promise<void> {
    if (stopped || busy) return;
    busy = true;
    try {
      const mine = await lease.acquireOrRenew();
      if (mine && !socket) {
        deps.log.info({ app: cfg.app }, 'asterisk: this process now owns the Stasis app');
        socket = openEventSocket(ari, deps.log, { onOpen: reattach, onEvent });
      } else if (!mine && socket) {
        deps.log.warn({ app: cfg.app }, 'asterisk: lost the Stasis app lease; another process owns it now');
        const s = socket;
        socket = null;
        await s.close();
      }
      if (mine && socket?.connected()) await socket.run('sweep', sweep);
    } catch (err) {
      deps.log.warn({ err }, 'asterisk: ownership/sweep tick failed; will retry');
    } finally {
      busy = false;
    }
  }
  const timer = setInterval(() => void tick(), cfg.sweepMs);
  void tick();

  return {
    owner: () => !!socket,
    async close() {
      stopped = true;
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 20));
      if (socket) await socket.close();
      socket = null;
      await lease.release().catch((err) => deps.log.warn({ err }, 'asterisk: could not release the app lease'));
    },
  };
}
