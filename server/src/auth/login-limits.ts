import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Log } from '../lib/log.js';
import { withTimeout } from '../lib/with-timeout.js';
import { throttledWarn } from '../lib/best-effort.js';

/**
 * The sign-in limits, in one place (README "Security → Sign-in limits"):
 *  - per client IP and account: attempts within LOGIN_RATE_LIMIT_WINDOW_MS (LOGIN_RATE_LIMIT_MAX);
 *  - per client IP: failed sign-ins on any account (LOGIN_IP_MAX_FAILURES within LOGIN_ACCOUNT_WINDOW_MS),
 *    against one address trying many accounts;
 *  - per account, whatever the IP: LOGIN_ACCOUNT_MAX_FAILURES failures within LOGIN_ACCOUNT_WINDOW_MS lock
 *    the account for LOGIN_ACCOUNT_LOCKOUT_MS, against many addresses trying one account.
 * Counts live in Redis so every node shares them; when Redis does not answer, an in-process count
 * takes over (per node, so never weaker than one node's share) instead of letting guesses through.
 * The client IP is the one the client-IP policy (TRUST_PROXY) gives as req.ip.
 */

export type LoginRefusal = {
  ok: false;
  reason: 'too_many_attempts' | 'too_many_failures_from_address' | 'account_locked';
  retryAfterSeconds: number;
  message: string;
};
export type LoginGate = { ok: true } | LoginRefusal;

export interface LoginLimits {
  /** Call before checking the password; counts the attempt. */
  attempt(ip: string, email: string): Promise<LoginGate>;
  /** A wrong password (or unknown account); may lock the account. Returns true when this failure locked it. */
  failed(ip: string, email: string): Promise<boolean>;
  /** A successful sign-in clears the account's failure count. */
  succeeded(email: string): Promise<void>;
}

/** Counters with expiry; Redis and in-process implementations behave alike. */
interface CounterStore {
  /** +1; the window starts with the first hit. Returns the count and the ms left in the window. */
  hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  /** ms left on a key, 0 when absent. */
  ttl(key: string): Promise<number>;
  set(key: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
}

const HIT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local t = redis.call('PTTL', KEYS[1]) if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) t = tonumber(ARGV[1]) end return {n, t}`;

function redisStore(redis: Redis, timeoutMs: number): CounterStore {
  const call = <T>(p: Promise<T>) => withTimeout(p, timeoutMs, 'redis did not answer');
  return {
    async hit(key, windowMs) {
      const [count, ttlMs] = (await call(redis.eval(HIT, 1, key, String(windowMs)))) as [number, number];
      return { count, ttlMs };
    },
    async ttl(key) {
      return Math.max(0, await call(redis.pttl(key)));
    },
    async set(key, ttlMs) {
      await call(redis.set(key, '1', 'PX', ttlMs));
    },
    async del(key) {
      await call(redis.del(key));
    },
  };
}

/** Bounded so a flood of distinct keys cannot grow the process without limit. */
export function memoryStore(maxKeys = 100_000, now = () => Date.now()): CounterStore {
  const m = new Map<string, { count: number; until: number }>();
  const live = (key: string) => {
    const e = m.get(key);
    if (e && e.until <= now()) {
      m.delete(key);
      return undefined;
    }
    return e;
  };
  const room = () => {
    if (m.size < maxKeys) return;
    const t = now();
    for (const [k, e] of m) if (e.until <= t) m.delete(k);
    // still full: drop the oldest entries (Map keeps insertion order)
    for (const k of m.keys()) {
      if (m.size < maxKeys) break;
      m.delete(k);
    }
  };
  return {
    async hit(key, windowMs) {
      let e = live(key);
      if (!e) {
        room();
        e = { count: 0, until: now() + windowMs };
        m.set(key, e);
      }
      e.count++;
      return { count: e.count, ttlMs: e.until - now() };
    },
    async ttl(key) {
      const e = live(key);
      return e ? e.until - now() : 0;
    },
    async set(key, ttlMs) {
      room();
      m.set(key, { count: 1, until: now() + ttlMs });
    },
    async del(key) {
      m.delete(key);
    },
  };
}

/** Redis first; on any Redis error the same operation runs on the in-process store. */
function withFallback(primary: CounterStore, fallback: CounterStore, log: Log): CounterStore {
  const unavailable = throttledWarn(log, 'sign-in limits: Redis unavailable, counting in this process');
  const run = async <T>(op: (s: CounterStore) => Promise<T>): Promise<T> => {
    try {
      return await op(primary);
    } catch (err) {
      unavailable(err);
      return op(fallback);
    }
  };
  return {
    hit: (k, w) => run((s) => s.hit(k, w)),
    ttl: (k) => run((s) => s.ttl(k)),
    set: (k, t) => run((s) => s.set(k, t)),
    del: (k) => run((s) => s.del(k)),
  };
}

const minutes = (s: number) => (s < 90 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`);

export function createLoginLimits(opts: { redis: Redis | null; prefix: string; config: Config; log: Log }): LoginLimits {
  const { loginRateLimit: perPair, loginAccountLimit: acct, loginIpMaxFailures } = opts.config;
  const memory = memoryStore();
  const store = opts.redis ? withFallback(redisStore(opts.redis, 500), memory, opts.log) : memory;
  const k = (...parts: string[]) => `${opts.prefix}:login:${parts.join(':')}`;
  const account = (email: string) => email.trim().toLowerCase();
  const refuse = (reason: LoginRefusal['reason'], ttlMs: number, message: string): LoginRefusal => {
    const retryAfterSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    return { ok: false, reason, retryAfterSeconds, message: `${message}; try again in ${minutes(retryAfterSeconds)}` };
  };

  return {
    async attempt(ip, email) {
      const who = account(email);
      const locked = await store.ttl(k('lock', who));
      if (locked > 0) return refuse('account_locked', locked, 'this account is locked after too many failed sign-ins');
      const ipFailures = await store.ttl(k('ipblock', ip));
      if (ipFailures > 0) return refuse('too_many_failures_from_address', ipFailures, 'too many failed sign-ins from your network address');
      const pair = await store.hit(k('try', ip, who), perPair.windowMs);
      if (pair.count > perPair.max) return refuse('too_many_attempts', pair.ttlMs, 'too many sign-in attempts');
      return { ok: true };
    },
    async failed(ip, email) {
      const who = account(email);
      const fromIp = await store.hit(k('ipfail', ip), acct.windowMs);
      if (fromIp.count >= loginIpMaxFailures) await store.set(k('ipblock', ip), fromIp.ttlMs);
      const f = await store.hit(k('fail', who), acct.windowMs);
      if (f.count < acct.maxFailures) return false;
      await store.set(k('lock', who), acct.lockoutMs);
      await store.del(k('fail', who));
      return true;
    },
    async succeeded(email) {
      await store.del(k('fail', account(email)));
    },
  };
}
