import { createSipDevice, type SipSettings } from './sip-device';

/**
 * The softphone's view of a browser phone: the few things the store needs from the Voice SDK.
 * The store depends on this interface only, so its logic runs (and is tested) without a real line.
 */
export interface SoftphoneCall {
  /** the caller as the network gave it (a phone number, or client:… for a browser) */
  readonly from: string;
  accept(): void;
  reject(): void;
  disconnect(): void;
  mute(muted: boolean): void;
  /** accept: media connected; disconnect / cancel / reject: the call is over for this browser */
  on(event: 'accept' | 'disconnect' | 'cancel' | 'reject' | 'error', handler: (arg?: unknown) => void): void;
}

export interface SoftphoneDevice {
  register(): Promise<void>;
  updateToken(token: string): void;
  destroy(): void;
  on(event: 'incoming', handler: (call: SoftphoneCall) => void): void;
  on(event: 'tokenWillExpire' | 'error', handler: (arg?: unknown) => void): void;
}

/** `settings.sip` set: the hub's calls come from Asterisk and the browser registers over SIP-over-WebSocket. */
export type CreateDevice = (token: string, settings?: { sip?: SipSettings }) => Promise<SoftphoneDevice>;

interface SdkCall {
  parameters: Record<string, string>;
  accept(): void;
  reject(): void;
  disconnect(): void;
  mute(muted: boolean): void;
  on(event: string, handler: (arg?: unknown) => void): void;
}

const wrapCall = (c: SdkCall): SoftphoneCall => ({
  from: c.parameters?.From ?? '',
  accept: () => c.accept(),
  reject: () => c.reject(),
  disconnect: () => c.disconnect(),
  mute: (m) => c.mute(m),
  on: (event, handler) => c.on(event, handler),
});

/**
 * The browser phone the hub's provider needs: the Twilio Voice SDK, or a SIP user agent (JsSIP) registered with
 * Asterisk. Loaded only when the server hands out a token (browser calling configured).
 */
export const createDevice: CreateDevice = async (token, settings) => {
  if (settings?.sip) return createSipDevice(settings.sip, token);
  const { Device } = await import('@twilio/voice-sdk');
  const device = new Device(token, { closeProtection: true, logLevel: 'silent' }); // errors reach the agent through the store
  return {
    register: () => device.register(),
    updateToken: (t) => device.updateToken(t),
    destroy: () => device.destroy(),
    on: (event: string, handler: (arg?: never) => void) => {
      if (event === 'incoming') device.on('incoming', (call: SdkCall) => handler(wrapCall(call) as never));
      else device.on(event, handler);
    },
  } as SoftphoneDevice;
};
