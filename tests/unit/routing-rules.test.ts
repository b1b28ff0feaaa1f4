import { describe, expect, it } from 'vitest';
import { hasRoom, isBusy, loadView } from '../../server/src/routing/load.js';
import { canTransition } from '../../server/src/lifecycle/status.js';
import { offerTimeoutMs, stickyWindowSeconds, DEFAULT_ROUTING_SETTINGS } from '../../server/src/routing/settings.js';
import { loadConfig } from '../../server/src/config.js';

const load = (used: Record<string, number>, capacity: Record<string, number> = { voice: 1, chat: 3, email: 5 }) => ({
  capacity,
  used,
  onCall: (used.voice ?? 0) > 0,
});

describe('capacity rules', () => {
  it('allows up to the per-channel capacity and nothing while on a call', () => {
    expect(hasRoom(load({ chat: 2 }), 'chat')).toBe(true);
    expect(hasRoom(load({ chat: 3 }), 'chat')).toBe(false);
    expect(hasRoom(load({ chat: 3 }), 'email')).toBe(true);
    expect(hasRoom(load({ voice: 1 }), 'email')).toBe(false);
    expect(hasRoom(load({ chat: 1 }), 'voice')).toBe(true);
    expect(hasRoom(load({}, { chat: 0 }), 'chat')).toBe(false);
    expect(hasRoom(load({}, { chat: 3 }), 'sms')).toBe(false);
  });

  it('derives Busy and shows load as used/capacity', () => {
    expect(isBusy(load({ voice: 1 }))).toBe(true);
    expect(isBusy(load({ chat: 3 }))).toBe(true);
    expect(isBusy(load({ chat: 2, email: 1 }))).toBe(false);
    expect(loadView(load({ chat: 2 }))).toEqual({ voice: '0/1', chat: '2/3', email: '0/5' });
  });
});

describe('case lifecycle', () => {
  it('follows new → open → pending → solved → closed with reopen', () => {
    expect(canTransition('new', 'open')).toBe(true);
    expect(canTransition('open', 'pending')).toBe(true);
    expect(canTransition('pending', 'open')).toBe(true);
    expect(canTransition('pending', 'solved')).toBe(true);
    expect(canTransition('solved', 'open')).toBe(true);
    expect(canTransition('solved', 'closed')).toBe(true);
    expect(canTransition('closed', 'open')).toBe(false);
    expect(canTransition('closed', 'solved')).toBe(false);
    expect(canTransition('solved', 'pending')).toBe(false);
  });
});

describe('routing settings', () => {
  it('uses short offers and sticky windows for live channels, long ones for written channels', () => {
    expect(offerTimeoutMs(DEFAULT_ROUTING_SETTINGS, 'voice')).toBe(20_000);
    expect(offerTimeoutMs(DEFAULT_ROUTING_SETTINGS, 'email')).toBe(60_000);
    expect(stickyWindowSeconds(DEFAULT_ROUTING_SETTINGS, 'chat')).toBe(60);
    expect(stickyWindowSeconds(DEFAULT_ROUTING_SETTINGS, 'sms')).toBe(86_400);
  });

  it('reads the routing variables and reports bad ones', () => {
    const base = { NODE_ENV: 'test', DATABASE_URL: 'postgres://x@h/db', REDIS_URL: 'redis://h:6379' };
    const c = loadConfig({ ...base, ROUTING_OFFER_TIMEOUT_LIVE_MS: '500', PRESENCE_GRACE_MS: '0' });
    expect(c.routing).toMatchObject({ offerTimeoutLiveMs: 500, presenceGraceMs: 0, awayAfterTimeouts: 2 });
    expect(() => loadConfig({ ...base, ROUTING_SWEEP_MS: 'soon', ROUTING_AWAY_AFTER_TIMEOUTS: '0' })).toThrow(/ROUTING_SWEEP_MS[\s\S]*ROUTING_AWAY_AFTER_TIMEOUTS/);
  });
});
