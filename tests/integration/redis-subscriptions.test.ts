import { afterEach, describe, expect, it } from 'vitest';
import { createRedis } from '../../server/src/lib/redis.js';

// A subscription nobody awaits (ioredis subscribing again after a reconnect, the Socket.IO adapter subscribing a
// namespace) that fails because the connection closed first must be reported, not left an unhandled rejection
// (vitest fails the run on one; a process logs it as a fault).
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('a Redis client closed while a subscription waits for Redis', () => {
  it('reports the failed subscription instead of leaving it unhandled, also on its duplicates', async () => {
    process.on('unhandledRejection', onUnhandled);
    const warned: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warned.push(args.join(' '));
    try {
      // nothing listens there: the subscriptions wait in the offline queue until the clients close
      const redis = createRedis('redis://127.0.0.1:1', 'subscriber');
      const copy = redis.duplicate();
      void redis.subscribe('hub:test');
      void copy.subscribe('hub:test:copy');
      void copy.psubscribe('hub:test:*');
      redis.disconnect();
      copy.disconnect();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      console.warn = warn;
    }
    expect(unhandled).toEqual([]);
    expect(warned.filter((w) => /a subscription failed/.test(String(w))).length).toBeGreaterThanOrEqual(2);
  });

  it('still answers the caller who awaits the subscription with its failure', async () => {
    const redis = createRedis('redis://127.0.0.1:1', 'subscriber');
    const answer = redis.subscribe('hub:test:awaited');
    redis.disconnect();
    await expect(answer).rejects.toThrow(/Connection is closed/);
  });
});
