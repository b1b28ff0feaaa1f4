import type { Config } from '../config.js';
import type { Channel } from '../contracts/vocabulary.js';

/** Routing and presence timings; every one is an env var (config.ts) so tests can shorten them. */
export type RoutingSettings = Config['routing'];

export const DEFAULT_ROUTING_SETTINGS: RoutingSettings = {
  offerTimeoutLiveMs: 20_000,
  offerTimeoutAsyncMs: 60_000,
  reofferCooldownMs: 60_000,
  presenceGraceMs: 30_000,
  presenceLeaseMs: 15_000,
  presenceHeartbeatMs: 5_000,
  sweepMs: 5_000,
  expiryTickMs: 500,
  statsMs: 1_000,
  passLeaseMs: 3_000,
  stickyLiveSeconds: 60,
  stickyAsyncSeconds: 86_400,
  awayAfterTimeouts: 2,
  assignmentKeepOfflineMinutes: 240,
};

const LIVE: Channel[] = ['voice', 'chat'];

/** Live channels (a person is holding on) get short offers; written channels can wait a minute. */
export function offerTimeoutMs(s: RoutingSettings, channel: Channel): number {
  return LIVE.includes(channel) ? s.offerTimeoutLiveMs : s.offerTimeoutAsyncMs;
}

export function stickyWindowSeconds(s: RoutingSettings, channel: Channel): number {
  return LIVE.includes(channel) ? s.stickyLiveSeconds : s.stickyAsyncSeconds;
}
