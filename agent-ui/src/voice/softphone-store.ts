import { defineStore } from 'pinia';
import { ApiError } from '../api/http';
import { voiceApi, type VoiceToken } from './api';
import { createDevice, type CreateDevice, type SoftphoneCall, type SoftphoneDevice } from './device';

export interface SoftphoneDeps {
  /** whether the hub hands out tokens at all (answered 200 either way) */
  browserCalling: () => Promise<boolean>;
  fetchToken: () => Promise<VoiceToken>;
  createDevice: CreateDevice;
}

let deps: SoftphoneDeps = { browserCalling: async () => (await voiceApi.status()).browserCalling, fetchToken: voiceApi.token, createDevice };
/** Tests hand in a fake device and token source. */
export function setSoftphoneDeps(d: Partial<SoftphoneDeps>): void {
  deps = { ...deps, ...d };
}

/** Renew well before the token runs out: at 80 % of its life, and at least a minute early. */
export const refreshDelayMs = (ttlSeconds: number) => Math.max(5_000, Math.min(ttlSeconds * 800, (ttlSeconds - 60) * 1000));

/** A call's progress as the server reports it (call:updated), for the call bar. */
export interface CallProgress {
  caseId: number;
  callId: number;
  direction: 'inbound' | 'outbound';
  state: string;
  outcome: string | null;
  agentId: number | null;
  talkSeconds: number | null;
}

const ENDED = new Set(['completed', 'voicemail']);

// The device and call live outside the reactive state: they are SDK objects, not data.
let device: SoftphoneDevice | null = null;
let call: SoftphoneCall | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let generation = 0;

export const useSoftphoneStore = defineStore('softphone', {
  state: () => ({
    /** the server hands out browser-calling tokens and the device is registered */
    available: false,
    status: 'idle' as 'idle' | 'incoming' | 'active',
    caller: '',
    muted: false,
    /** ms epoch when the media connected */
    startedAt: null as number | null,
    error: null as string | null,
    /** the latest server-side progress of my current call */
    progress: null as CallProgress | null,
  }),
  actions: {
    /** Asks for a token; a hub without browser calling (status says so, or 4xx / 503) leaves the softphone hidden, quietly. */
    async start(): Promise<void> {
      if (device) return;
      const gen = ++generation;
      let t: VoiceToken;
      try {
        if (!(await deps.browserCalling())) return;
        if (gen !== generation) return;
        t = await deps.fetchToken();
      } catch (err) {
        if (!(err instanceof ApiError)) this.error = (err as Error).message;
        this.available = false;
        return;
      }
      let d: SoftphoneDevice;
      try {
        d = await deps.createDevice(t.token, t);
      } catch (err) {
        this.error = (err as Error).message;
        return;
      }
      if (gen !== generation) return d.destroy(); // stopped while loading
      device = d;
      d.on('incoming', (c) => this.onIncoming(c));
      d.on('tokenWillExpire', () => void this.refreshToken());
      d.on('error', (e) => (this.error = (e as Error | undefined)?.message ?? String(e)));
      this.schedule(t.ttlSeconds);
      try {
        await d.register();
        this.available = true;
        this.error = null;
      } catch (err) {
        this.error = (err as Error).message;
      }
    },
    schedule(ttlSeconds: number): void {
      if (refreshTimer) clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void this.refreshToken(), refreshDelayMs(ttlSeconds));
    },
    async refreshToken(): Promise<void> {
      if (!device) return;
      try {
        const t = await deps.fetchToken();
        device?.updateToken(t.token);
        this.schedule(t.ttlSeconds);
      } catch (err) {
        this.error = (err as Error).message;
        this.schedule(60); // try again soon; the old token is still good for a while
      }
    },
    onIncoming(c: SoftphoneCall): void {
      if (call) return c.reject(); // one call at a time
      call = c;
      this.$patch({ status: 'incoming', caller: c.from, muted: false, startedAt: null });
      const over = () => {
        if (call !== c) return;
        call = null;
        this.$patch({ status: 'idle', caller: '', muted: false, startedAt: null });
      };
      c.on('accept', () => {
        if (call === c) this.$patch({ status: 'active', startedAt: Date.now() });
      });
      c.on('disconnect', over);
      c.on('cancel', over);
      c.on('reject', over);
      c.on('error', (e) => (this.error = (e as Error | undefined)?.message ?? String(e)));
    },
    answer(): void {
      call?.accept();
    },
    decline(): void {
      const c = call;
      c?.reject();
      if (c && call === c) {
        call = null;
        this.$patch({ status: 'idle', caller: '', muted: false, startedAt: null });
      }
    },
    toggleMute(): void {
      if (!call || this.status !== 'active') return;
      this.muted = !this.muted;
      call.mute(this.muted);
    },
    hangUp(): void {
      call?.disconnect();
    },
    /** call:updated for a call I am on: the bar shows its state; it clears when the call has ended. */
    onCallUpdated(p: CallProgress, myAgentId: number | null | undefined): void {
      if (p.agentId == null || p.agentId !== myAgentId) {
        if (this.progress?.callId === p.callId) this.progress = null; // transferred away
        return;
      }
      this.progress = ENDED.has(p.state) ? null : p;
    },
    stop(): void {
      generation++;
      if (refreshTimer) clearTimeout(refreshTimer);
      refreshTimer = null;
      call = null;
      device?.destroy();
      device = null;
      this.$reset();
    },
  },
});
