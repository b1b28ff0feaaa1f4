import type { SoftphoneCall, SoftphoneDevice } from './device';

/** Where and as whom the browser registers with Asterisk (PJSIP over WebSocket), from GET /api/v1/voice/token. */
import type { SipSettings } from '../../../server/src/contracts/voice';

export type { SipSettings };

/** The part of a JsSIP RTCSession the softphone uses. */
export interface SipSession {
  readonly direction: 'incoming' | 'outgoing';
  readonly remote_identity: { uri: { user: string }; display_name?: string };
  answer(options?: { mediaConstraints?: { audio: boolean; video: boolean } }): void;
  terminate(options?: { status_code?: number; reason_phrase?: string }): void;
  mute(options?: { audio?: boolean }): void;
  unmute(options?: { audio?: boolean }): void;
  on(event: 'accepted' | 'confirmed' | 'ended' | 'failed', handler: (e?: { cause?: string; originator?: string }) => void): void;
}

/** The part of a JsSIP UA the softphone uses. */
export interface SipUa {
  start(): void;
  stop(): void;
  register(): void;
  isRegistered(): boolean;
  set(parameter: 'password', value: string): boolean;
  on(event: 'registered' | 'unregistered', handler: () => void): void;
  on(event: 'registrationFailed', handler: (e: { cause?: string }) => void): void;
  on(event: 'disconnected', handler: (e: { error?: boolean; reason?: string }) => void): void;
  on(event: 'newRTCSession', handler: (e: { originator: 'local' | 'remote'; session: SipSession }) => void): void;
}

export type MakeSipUa = (s: SipSettings, password: string) => Promise<SipUa>;

type Handler = (arg?: unknown) => void;

/**
 * A JsSIP session as the softphone's call: accept answers with audio only, reject answers 486 Busy Here (Asterisk
 * then treats the agent as not answering and the caller keeps their place), a CANCEL from Asterisk (the caller hung
 * up, or the ring timed out) is `cancel`, the end of an answered call is `disconnect`.
 */
export function wrapSession(s: SipSession): SoftphoneCall {
  const handlers = new Map<string, Handler[]>();
  const fire = (event: string, arg?: unknown) => handlers.get(event)?.forEach((h) => h(arg));
  let answered = false;
  s.on('accepted', () => {
    if (answered) return;
    answered = true;
    fire('accept');
  });
  s.on('confirmed', () => {
    if (answered) return;
    answered = true;
    fire('accept');
  });
  s.on('ended', () => fire('disconnect'));
  s.on('failed', (e) => {
    // JsSIP causes: Canceled (the other side gave up), Rejected (we declined), Busy, No Answer, Request Timeout, …
    if (e?.cause === 'Rejected') fire('reject');
    else if (e?.cause === 'Canceled' || e?.cause === 'No Answer' || e?.cause === 'Request Timeout') fire('cancel');
    else {
      fire('error', new Error(`call failed: ${e?.cause ?? 'unknown cause'}`));
      fire('cancel');
    }
  });
  return {
    from: s.remote_identity.uri.user,
    accept: () => s.answer({ mediaConstraints: { audio: true, video: false } }),
    reject: () => s.terminate({ status_code: 486, reason_phrase: 'Busy Here' }),
    disconnect: () => s.terminate(),
    mute: (m) => (m ? s.mute({ audio: true }) : s.unmute({ audio: true })),
    on: (event, handler) => handlers.set(event, [...(handlers.get(event) ?? []), handler]),
  };
}

/**
 * The softphone's device over SIP-over-WebSocket (Asterisk's PJSIP with webrtc=yes): registers as the agent's
 * endpoint, hands incoming sessions to the store as calls. The "token" the store renews is the SIP password.
 */
export async function createSipDevice(settings: SipSettings, password: string, makeUa: MakeSipUa = jssipUa): Promise<SoftphoneDevice> {
  const ua = await makeUa(settings, password);
  const handlers = new Map<string, Handler[]>();
  const fire = (event: string, arg?: unknown) => handlers.get(event)?.forEach((h) => h(arg));
  let registered = false;
  let pending: { resolve: () => void; reject: (e: Error) => void } | null = null;

  ua.on('registered', () => {
    registered = true;
    pending?.resolve();
    pending = null;
  });
  ua.on('unregistered', () => {
    registered = false;
  });
  ua.on('registrationFailed', (e) => {
    const err = new Error(`SIP registration failed: ${e.cause ?? 'unknown cause'}`);
    if (pending) pending.reject(err);
    else fire('error', err);
    pending = null;
    registered = false;
  });
  ua.on('disconnected', (e) => {
    // JsSIP reconnects the socket itself; the agent sees the line is down meanwhile
    if (registered && e.error) fire('error', new Error(`SIP connection lost${e.reason ? `: ${e.reason}` : ''}`));
  });
  ua.on('newRTCSession', (e) => {
    if (e.originator !== 'remote') return;
    fire('incoming', wrapSession(e.session));
  });

  return {
    register: () =>
      new Promise<void>((resolve, reject) => {
        pending = { resolve, reject };
        ua.start();
      }),
    updateToken: (t) => {
      ua.set('password', t);
      ua.register();
    },
    destroy: () => ua.stop(),
    on: ((event: string, handler: Handler) => handlers.set(event, [...(handlers.get(event) ?? []), handler])) as SoftphoneDevice['on'],
  };
}

/** JsSIP, loaded only when the hub hands out SIP settings; remote audio plays through one hidden <audio> element. */
export const jssipUa: MakeSipUa = async (s, password) => {
  const JsSIP = await import('jssip');
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(s.wsUrl)],
    uri: s.uri,
    authorization_user: s.authorizationUser,
    password,
    display_name: s.displayName,
    register: true,
  });
  const audio = document.createElement('audio');
  audio.autoplay = true;
  ua.on('newRTCSession', (e: { session: { connection?: RTCPeerConnection; on(ev: string, h: () => void): void } }) => {
    const attach = () => {
      const pc = e.session.connection;
      if (!pc) return;
      const stream = new MediaStream();
      for (const r of pc.getReceivers()) if (r.track) stream.addTrack(r.track);
      audio.srcObject = stream;
    };
    e.session.on('accepted', attach);
    e.session.on('confirmed', attach);
  });
  return ua as unknown as SipUa;
};
