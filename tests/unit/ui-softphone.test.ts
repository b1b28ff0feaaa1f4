// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { mount, flushPromises } from '@vue/test-utils';
import { createRouter, createMemoryHistory } from 'vue-router';
import { i18n, applyLocale } from '../../agent-ui/src/i18n';
import SoftphoneBar from '../../agent-ui/src/components/SoftphoneBar.vue';
import { ApiError } from '../../agent-ui/src/api/http';
import { refreshDelayMs, setSoftphoneDeps, useSoftphoneStore } from '../../agent-ui/src/voice/softphone-store';
import type { SoftphoneCall, SoftphoneDevice } from '../../agent-ui/src/voice/device';
import { dispatch, workspaceStores } from '../../agent-ui/src/realtime/event-table';
import { useSessionStore } from '../../agent-ui/src/stores/session';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stands in for both of the device's handler shapes
type Handler = (arg?: any) => void;

/** A line that behaves like the SDK's: events fire when the network would fire them. */
class FakeCall implements SoftphoneCall {
  handlers = new Map<string, Handler[]>();
  log: string[] = [];
  constructor(readonly from: string) {}
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
  }
  emit(event: string, arg?: unknown) {
    for (const h of this.handlers.get(event) ?? []) h(arg);
  }
  accept() {
    this.log.push('accept');
    this.emit('accept');
  }
  reject() {
    this.log.push('reject');
  }
  disconnect() {
    this.log.push('disconnect');
    this.emit('disconnect');
  }
  mute(m: boolean) {
    this.log.push(m ? 'mute' : 'unmute');
  }
}

class FakeDevice implements SoftphoneDevice {
  handlers = new Map<string, Handler[]>();
  tokens: string[] = [];
  registered = false;
  destroyed = false;
  constructor(token: string) {
    this.tokens.push(token);
  }
  async register() {
    this.registered = true;
  }
  updateToken(t: string) {
    this.tokens.push(t);
  }
  destroy() {
    this.destroyed = true;
  }
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
  }
  emit(event: string, arg?: unknown) {
    for (const h of this.handlers.get(event) ?? []) h(arg);
  }
}

let devices: FakeDevice[];
let issued: number;

beforeEach(() => {
  setActivePinia(createPinia());
  devices = [];
  issued = 0;
  setSoftphoneDeps({
    browserCalling: async () => true,
    fetchToken: async () => ({ token: `jwt-${++issued}`, identity: 'agent-7', ttlSeconds: 3600 }),
    createDevice: async (token) => {
      const d = new FakeDevice(token);
      devices.push(d);
      return d;
    },
  });
});
afterEach(() => {
  useSoftphoneStore().stop();
  vi.useRealTimers();
});

describe('softphone store', () => {
  it('registers a device, rings, answers, mutes and hangs up', async () => {
    const phone = useSoftphoneStore();
    await phone.start();
    expect(phone.available).toBe(true);
    expect(devices).toHaveLength(1);
    expect(devices[0].registered).toBe(true);
    expect(devices[0].tokens).toEqual(['jwt-1']);

    const call = new FakeCall('+14155550123');
    devices[0].emit('incoming', call);
    expect(phone.status).toBe('incoming');
    expect(phone.caller).toBe('+14155550123');
    // a second caller while this one rings is turned away
    const other = new FakeCall('+14155550999');
    devices[0].emit('incoming', other);
    expect(other.log).toEqual(['reject']);
    expect(phone.caller).toBe('+14155550123');

    phone.toggleMute(); // nothing to mute before the call is answered
    expect(call.log).toEqual([]);
    phone.answer();
    expect(phone.status).toBe('active');
    expect(phone.startedAt).toBeTypeOf('number');
    phone.toggleMute();
    expect(phone.muted).toBe(true);
    phone.toggleMute();
    expect(phone.muted).toBe(false);
    phone.hangUp();
    expect(call.log).toEqual(['accept', 'mute', 'unmute', 'disconnect']);
    expect(phone.$state).toMatchObject({ status: 'idle', caller: '', muted: false, startedAt: null });
  });

  it('declines a ringing call, and a caller who gives up clears the ring', async () => {
    const phone = useSoftphoneStore();
    await phone.start();
    const a = new FakeCall('+14155550123');
    devices[0].emit('incoming', a);
    phone.decline();
    expect(a.log).toEqual(['reject']);
    expect(phone.status).toBe('idle');
    const b = new FakeCall('+14155550124');
    devices[0].emit('incoming', b);
    expect(phone.status).toBe('incoming');
    b.emit('cancel');
    expect(phone.status).toBe('idle');
  });

  it('renews the token before it expires, and when the device asks', async () => {
    vi.useFakeTimers();
    const phone = useSoftphoneStore();
    await phone.start();
    expect(refreshDelayMs(3600)).toBe(2_880_000);
    await vi.advanceTimersByTimeAsync(2_879_000);
    expect(devices[0].tokens).toEqual(['jwt-1']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(devices[0].tokens).toEqual(['jwt-1', 'jwt-2']);
    // the next renewal is scheduled from the new token
    await vi.advanceTimersByTimeAsync(2_880_000);
    expect(devices[0].tokens).toEqual(['jwt-1', 'jwt-2', 'jwt-3']);
    devices[0].emit('tokenWillExpire');
    await vi.advanceTimersByTimeAsync(0);
    expect(devices[0].tokens.at(-1)).toBe('jwt-4');
    phone.stop();
    expect(devices[0].destroyed).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000_000);
    expect(devices[0].tokens).toHaveLength(4);
  });

  it('asks for no token when the hub says browser calling is not configured', async () => {
    const spy = vi.spyOn(console, 'error');
    setSoftphoneDeps({ browserCalling: async () => false });
    const phone = useSoftphoneStore();
    await phone.start();
    expect(issued).toBe(0);
    expect(devices).toHaveLength(0);
    expect(phone.$state).toMatchObject({ available: false, error: null });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it.each([403, 404, 503])('stays hidden without a device and without an error when the token endpoint answers %i', async (status) => {
    const spy = vi.spyOn(console, 'error');
    setSoftphoneDeps({ fetchToken: async () => { throw new ApiError(status, 'browser calling is not configured'); } });
    const phone = useSoftphoneStore();
    await phone.start();
    expect(phone.available).toBe(false);
    expect(phone.error).toBeNull();
    expect(devices).toHaveLength(0);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('shows call:updated progress for my calls only, until the call ends', async () => {
    useSessionStore().agent = { id: 7 } as never;
    const s = workspaceStores();
    const p = { caseId: 12, callId: 3, interactionId: 40, direction: 'outbound', state: 'ringing', outcome: null, agentId: 7, talkSeconds: null };
    dispatch('call:updated', { ...p, agentId: 8 }, s);
    expect(s.softphone.progress).toBeNull();
    dispatch('call:updated', p, s);
    expect(s.softphone.progress).toMatchObject({ caseId: 12, state: 'ringing' });
    dispatch('call:updated', { ...p, state: 'in_progress' }, s);
    expect(s.softphone.progress?.state).toBe('in_progress');
    dispatch('call:updated', { ...p, state: 'completed', outcome: 'answered', talkSeconds: 61 }, s);
    expect(s.softphone.progress).toBeNull();
  });
});

describe('softphone bar', () => {
  it('is hidden without browser calling; rings with Answer / Decline; the live bar mutes, counts and hangs up', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    applyLocale('en');
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div/>' } }, { path: '/cases/:id', component: { template: '<div/>' } }] });
    const mountBar = () => mount(SoftphoneBar, { global: { plugins: [pinia, router, i18n] }, attachTo: document.body });

    setSoftphoneDeps({ browserCalling: async () => false });
    const hidden = mountBar();
    await flushPromises();
    expect(hidden.find('[data-testid="softphone"]').exists()).toBe(false);
    hidden.unmount();

    setSoftphoneDeps({ browserCalling: async () => true });
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const w = mountBar();
    await flushPromises();
    expect(w.find('[data-testid="softphone"]').exists()).toBe(true);
    const call = new FakeCall('+14155550123');
    devices[0].emit('incoming', call);
    await flushPromises();
    expect(w.get('[data-testid="softphone-incoming"]').text()).toContain('+14155550123');
    await w.get('[data-testid="softphone-answer"]').trigger('click');
    expect(w.find('[data-testid="softphone-incoming"]').exists()).toBe(false);
    vi.advanceTimersByTime(65_000);
    await flushPromises();
    expect(w.get('[data-testid="softphone-timer"]').text()).toBe('1:05');
    await w.get('[data-testid="softphone-mute"]').trigger('click');
    expect(w.get('[data-testid="softphone-mute"]').attributes('aria-pressed')).toBe('true');
    expect(w.get('[data-testid="softphone-mute"]').text()).toBe('Unmute');
    await w.get('[data-testid="softphone-hangup"]').trigger('click');
    expect(call.log).toEqual(['accept', 'mute', 'disconnect']);
    expect(w.find('[data-testid="softphone-live"]').exists()).toBe(false);
    w.unmount();
    expect(devices[0].destroyed).toBe(true);
  });
});
