import type { Redis } from 'ioredis';
import type { FastifyReply } from 'fastify';
import { sha256 } from '../lib/tokens.js';
import { HttpError } from '../lib/errors.js';
import type { Log } from '../lib/log.js';

export interface WindowRule {
  max: number;
  windowMs: number;
}

export interface LimitResult {
  ok: boolean;
  /** how much of the window's allowance is used, this request included */
  used: number;
  retryAfterSeconds: number;
}

// One round trip: add, start the window on first use (or if a crash left the key without one), report.
const CONSUME = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return {n, ttl}`;

const LOCAL_MAX_KEYS = 50_000;

/**
 * Fixed-window counters shared by every node through Redis (anonymous visitors' messages, upload bytes, transcript
 * requests). When Redis cannot answer, the same limits are kept per process instead of being dropped: a node keeps
 * protecting itself, and with N nodes an abuser gets at most N times the allowance until Redis is back.
 */
export class WindowLimiter {
  private readonly local = new Map<string, { used: number; resetAt: number }>();
  private lastWarn = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log?: Pick<Log, 'warn'>,
  ) {}

  /** Counts `amount` against `rule` for (name, key); ok = still within the allowance. */
  async consume(name: string, key: string, rule: WindowRule, amount = 1): Promise<LimitResult> {
    const k = `${this.prefix}:lim:${name}:${sha256(key)}`;
    let used: number;
    let ttlMs: number;
    try {
      const [n, ttl] = (await this.redis.eval(CONSUME, 1, k, String(amount), String(rule.windowMs))) as [number, number];
      used = Number(n);
      ttlMs = Number(ttl);
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarn > 30_000) {
        this.lastWarn = now;
        this.log?.warn({ err, limit: name }, 'Redis unavailable for rate limits; counting in this process until it is back');
      }
      ({ used, ttlMs } = this.consumeLocally(k, rule, amount, now));
    }
    return { ok: used <= rule.max, used, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }

  private consumeLocally(k: string, rule: WindowRule, amount: number, now: number): { used: number; ttlMs: number } {
    let e = this.local.get(k);
    if (!e || e.resetAt <= now) {
      if (this.local.size >= LOCAL_MAX_KEYS) {
        for (const [key, v] of this.local) if (v.resetAt <= now) this.local.delete(key);
        // Still full of live windows: forget the oldest rather than grow without bound.
        if (this.local.size >= LOCAL_MAX_KEYS) this.local.delete(this.local.keys().next().value!);
      }
      e = { used: 0, resetAt: now + rule.windowMs };
      this.local.set(k, e);
    }
    e.used += amount;
    return { used: e.used, ttlMs: e.resetAt - now };
  }
}

/** A refused limit as an HTTP answer: 429 with Retry-After and the reason. */
export function tooManyRequests(reply: FastifyReply, r: LimitResult, message: string): HttpError {
  reply.header('retry-after', String(r.retryAfterSeconds));
  return new HttpError(429, `${message}; try again in ${r.retryAfterSeconds} s`, { retryAfterSeconds: r.retryAfterSeconds });
}
