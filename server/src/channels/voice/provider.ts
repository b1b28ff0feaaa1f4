import type pg from 'pg';
import type { Config } from '../../config.js';
import type { Log } from '../../lib/log.js';
import type { CallRow, VoiceProviderName } from './calls.js';
import type { MonitorMode } from '../../contracts/voice.js';
import type { LiveMonitor } from './monitors.js';

export type { VoiceProviderName } from './calls.js';

export interface VoiceProviderDeps {
  db: pg.Pool;
  config: Config;
  log?: Pick<Log, 'warn' | 'info'>;
}

export type TransferRequest = { mode: 'cold' | 'warm'; toAgentId?: number; toQueueId?: number };
export type { MonitorMode } from '../../contracts/voice.js';

/**
 * What a telephony provider does for the voice channel. The provider-neutral half lives beside this file and is
 * called by every provider as its calls progress: `inbound.ts` (a call arrives → a voice case, queued),
 * `lifecycle.ts` (caller left the queue → abandoned/missed + callback case, voicemail, talk time for AHT, the agent
 * did not answer → back in place, call ended), `calls.ts` (the call row, its timeline entry and `call:updated`),
 * `prompts.ts` (what callers hear). Events come in the provider's own way (Twilio: signed webhooks; Asterisk: the
 * ARI event socket); the actions below go out to it. Adding a provider = one folder under providers/.
 */
export interface VoiceProvider {
  name: VoiceProviderName;
  /** Whether this deployment has the provider's credentials. */
  configured(config: Config): boolean;
  /** The agent accepted the case of a queued call: ring them and bridge the caller (claims the call first). */
  connectToAgent(deps: VoiceProviderDeps, caseId: number, agentId: number): Promise<boolean>;
  /** Moves a live call after its case moved (cold: the new holder or queue; warm: the target agent joins first). */
  transfer(deps: VoiceProviderDeps, call: CallRow, t: TransferRequest): Promise<void>;
  /** Click-to-call: an agent calls the case's customer, logged on the case as an outbound call. */
  placeCall(deps: VoiceProviderDeps, a: { caseId: number; agentId: number; to: string }): Promise<CallRow>;
  /**
   * A supervisor listens to, whispers to the agent on, or joins (barge) a live call on their own phone/browser;
   * with `current` (their live monitor of this call) the mode changes. Answers the leg now carrying them (the same
   * leg when the provider switches in place). Recording and auditing it is the caller's (monitors.ts).
   */
  monitor(deps: VoiceProviderDeps, call: CallRow, m: { mode: MonitorMode; supervisorId: number; current: LiveMonitor | null }): Promise<{ mode: MonitorMode; legId: string }>;
  /** Ends a supervisor's monitoring leg (the call goes on). */
  endMonitor(deps: VoiceProviderDeps, call: CallRow, legId: string): Promise<void>;
  /** The audio of a call recording or voicemail, fetched from where the provider keeps it. */
  recordingAudio(deps: VoiceProviderDeps, rec: { sid: string; url: string }): Promise<{ contentType: string; body: Buffer }>;
}
