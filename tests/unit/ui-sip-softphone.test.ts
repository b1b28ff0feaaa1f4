// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { flushPromises } from '@vue/test-utils';
import { setSoftphoneDeps, useSoftphoneStore } from '../../agent-ui/src/voice/softphone-store';
import { createSipDevice, type SipSession, type SipSettings, type SipUa } from '../../agent-ui/src/voice/sip-device';

// The browser phone for Asterisk (SIP over WebSocket) driven through the softphone store with a fake user agent in
// place of JsSIP: what the store sees when Asterisk rings, cancels, or the agent answers, declines and hangs up.
// The real JsSIP UA and a real PJSIP WebSocket are not exercised here (see README "Telephony providers").

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stands in for every handler shape of the user agent
type Handler = (e?: any) => void;

class FakeSession implements SipSession {
  direction = 'incoming' as const;
  handlers = new Map<string, Handler[]>();
  log: string[] = [];
  constructor(public remote_identity: { uri: { user: string } }) {}
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
  }
  emit(event: string, arg?: unknown) {
    for (const h of this.handlers.get(event) ?? []) h(arg);
  }
  answer(o?: { mediaConstraints?: { audio: boolean; video: boolean } }) {
    this.log.push(`answer audio=${o?.mediaConstraints?.audio} video=${o?.mediaConstraints?.video}`);
    this.emit('accepted');
    this.emit('confirmed');
  }
  terminate(o?: { status_code?: number }) {
    this.log.push(`terminate ${o?.status_code ?? ''}`.trim());
  }
  mute() {
    this.log.push('mute');
  }
  unmute() {
    this.log.push('unmute');
  }
}

class FakeUa implements SipUa {
  handlers = new Map<string, Handler[]>();
  log: string[] = [];
  registration: 'ok' | 'fail' = 'ok';
  constructor(
    public settings: SipSettings,
    public password: string,
  ) {}
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
  }
  emit(event: string, arg?: unknown) {
    for (const h of this.handlers.get(event) ?? []) h(arg);
  }
  start() {
    this.log.push('start');
    queueMicrotask(() => (this.registration === 'ok' ? this.emit('registered') : this.emit('registrationFailed', { cause: 'Authentication Error' })));
  }
  stop() {
    this.log.push('stop');
  }
  register() {
    this.log.push('register');
  }
  isRegistered() {
    return true;
  }
  set(_p: 'password', v: string) {
    this.password = v;
    return true;
  }
  /** Asterisk sends an INVITE: JsSIP announces a remote session. */
  ring(from: string) {
    const s = new FakeSession({ uri: { user: from } });
    this.emit('newRTCSession', { originator: 'remote', session: s });
    return s;
  }
}

const SIP: SipSettings = { wsUrl: 'wss://pbx.example.test:8089/ws', uri: 'sip:agent-7@pbx.example.test', authorizationUser: 'agent-7', displayName: 'Ann' };
let ua: FakeUa;
let failRegistration = false;

beforeEach(() => {
  setActivePinia(createPinia());
  useSoftphoneStore().stop(); // the device lives outside the store: drop the previous test's
  failRegistration = false;
  setSoftphoneDeps({
    browserCalling: async () => true,
    fetchToken: async () => ({ token: 'sip-pass-1', identity: 'agent-7', ttlSeconds: 3600, sip: SIP }),
    createDevice: (token, settings) =>
      createSipDevice(settings!.sip!, token, async (s, p) => {
        ua = new FakeUa(s, p);
        if (failRegistration) ua.registration = 'fail';
        return ua;
      }),
  });
});

describe('the SIP softphone (Asterisk)', () => {
  it('registers as the agent’s endpoint with the hub’s settings, rings, answers with audio only, mutes and ends when Asterisk hangs up', async () => {
    const store = useSoftphoneStore();
    await store.start();
    expect(store.available).toBe(true);
    expect(ua.settings).toEqual(SIP);
    expect(ua.password).toBe('sip-pass-1');
    expect(ua.log).toEqual(['start']);

    const s = ua.ring('+14155550801');
    expect(store.status).toBe('incoming');
    expect(store.caller).toBe('+14155550801');
    store.answer();
    expect(s.log).toEqual(['answer audio=true video=false']);
    expect(store.status).toBe('active');
    expect(store.startedAt).not.toBeNull();
    store.toggleMute();
    store.toggleMute();
    expect(s.log.slice(1)).toEqual(['mute', 'unmute']);
    s.emit('ended', { originator: 'remote', cause: 'Terminated' });
    expect(store.status).toBe('idle');
    store.stop();
    expect(ua.log).toContain('stop');
  });

  it('declining answers 486 Busy Here; a call Asterisk cancels (caller hung up, ring timed out) clears the bar; a second call while busy is refused', async () => {
    const store = useSoftphoneStore();
    await store.start();
    const first = ua.ring('+14155550802');
    store.decline();
    expect(first.log).toEqual(['terminate 486']);
    expect(store.status).toBe('idle');

    const second = ua.ring('+14155550803');
    const third = ua.ring('+14155550804');
    expect(third.log).toEqual(['terminate 486']); // one call at a time
    expect(store.caller).toBe('+14155550803');
    second.emit('failed', { originator: 'remote', cause: 'Canceled' });
    expect(store.status).toBe('idle');
    expect(store.error).toBeNull();

    const fourth = ua.ring('+14155550805');
    store.answer();
    store.hangUp();
    expect(fourth.log).toEqual(['answer audio=true video=false', 'terminate']);
    fourth.emit('ended', { originator: 'local' });
    expect(store.status).toBe('idle');
  });

  it('a refused registration leaves the phone unavailable with the reason; a renewed password re-registers', async () => {
    failRegistration = true;
    const store = useSoftphoneStore();
    await store.start();
    expect(store.available).toBe(false);
    expect(store.error).toBe('SIP registration failed: Authentication Error');
    store.stop();

    failRegistration = false;
    setSoftphoneDeps({ fetchToken: async () => ({ token: 'sip-pass-2', identity: 'agent-7', ttlSeconds: 3600, sip: SIP }) });
    const again = useSoftphoneStore();
    await again.start();
    expect(again.available).toBe(true);
    await again.refreshToken();
    await flushPromises();
    expect(ua.password).toBe('sip-pass-2');
    expect(ua.log).toEqual(['start', 'register']);
    // a dropped WebSocket while registered is shown to the agent
    ua.emit('disconnected', { error: true, reason: 'socket closed' });
    expect(again.error).toBe('SIP connection lost: socket closed');
  });
});
