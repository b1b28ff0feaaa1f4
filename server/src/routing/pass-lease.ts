import type { Redis } from 'ioredis';
import type { Log } from '../lib/log.js';

/**
 * Which router runs the match passes. Passes are correct on any number of routers at once (every offer
 * is decided under row locks), but two routers walking the same waiting cases do the same work twice and
 * one of them loses every race: on a busy hub that doubled the routers' CPU per message. So one router at
 * a time holds this lease, runs the passes and expires offers (routing/expiry.ts); the others keep sweeping, and take
 * the lease over when its holder stops renewing it (crash: within `leaseMs`; a clean stop hands it over at once).
 *
 * When Redis cannot be asked, a router runs passes anyway: Redis being away stops the triggers too, and a
 * duplicated pass is only wasted work.
 */
export interface PassLease {
  /** Whether this router should run a pass now. */
  holds(): boolean;
  /** Stops renewing and hands the lease over. */
  release(): Promise<void>;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const DROP = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function startPassLease(opts: {
  redis: Redis;
  key: string;
  holderId: string;
  leaseMs: number;
  log: Log;
  /** Called when this router becomes the holder, so it runs a pass at once. */
  onAcquired: () => void;
}): PassLease {
  const { redis, key, holderId, leaseMs, log } = opts;
  if (leaseMs <= 0) return { holds: () => true, release: async () => {} };
  let held = false;
  let unknown = false;
  let stopped = false;
  const tick = async () => {
    try {
      if (held) {
        held = (await redis.eval(RENEW, 1, key, holderId, String(leaseMs))) === 1;
        if (!held) log.info({ holderId }, 'match-pass lease lost; another router runs the passes');
      }
      if (!held) {
        held = (await redis.set(key, holderId, 'PX', leaseMs, 'NX')) === 'OK';
        if (held) {
          log.info({ holderId }, 'match-pass lease taken: this router runs the passes');
          if (!stopped) opts.onAcquired();
        }
      }
      unknown = false;
    } catch (err) {
      if (!unknown) log.warn({ err }, 'match-pass lease cannot be checked; running passes meanwhile');
      unknown = true;
    }
  };
  let current: Promise<void> = tick();
  const timer = setInterval(() => {
    current = current.then(tick);
  }, Math.max(50, Math.floor(leaseMs / 3)));
  return {
    holds: () => held || unknown,
    async release() {
      stopped = true;
      clearInterval(timer);
      await current;
      if (!held) return;
      held = false;
      try {
        await redis.eval(DROP, 1, key, holderId);
      } catch (err) {
        log.warn({ err }, 'could not hand the match-pass lease over; another router takes it when it expires');
      }
    },
  };
}
