/**
 * The store behind @fastify/rate-limit's per-route limits (visitor sign-up, offline messages, portal
 * sign-in, transcript links, first-admin setup): counts in Redis so every node shares them, and
 * when Redis does not answer, in this process instead — per node, so never weaker than one node's
 * share — like the sign-in limits (auth/login-limits.ts). The plugin's own `skipOnError` would let
 * every request through while Redis is down.
 */
import type { Redis } from 'ioredis';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { createRequire } from 'node:module';
import type { Log } from './log.js';

type Result = { current: number; ttl: number };
type Cb = (err: Error | null, res?: Result) => void;
/** The built-in stores also have `read` (for `{ increment: false }`), which the typings leave out. */
type Store = FastifyRateLimitStore & { read?(key: string, cb: Cb, timeWindow: number, max: number): void };
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];
type StoreCtor = new (...args: unknown[]) => Store;

// the plugin's own stores (CommonJS, without typings of their own)
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor;

/** A store class for the plugin's `store` option. */
export function fallbackRateLimitStore(redis: Redis, nameSpace: string, log: Log, timeoutMs = 500): FastifyRateLimitStoreCtor {
  let lastWarn = 0;
  const warn = (err: unknown) => {
    if (Date.now() - lastWarn < 60_000) return;
    lastWarn = Date.now();
    log.warn({ err }, 'rate limits: Redis unavailable, counting in this process');
  };

  class FallbackStore implements Store {
    constructor(
      private readonly primary: Store,
      private readonly local: Store,
    ) {}

    private run(method: 'incr' | 'read', key: string, cb: Cb, timeWindow: number, max: number) {
      let done = false;
      const fallBack = (err: unknown) => {
        if (done) return;
        done = true;
        warn(err);
        const local = this.local[method];
        if (local) local.call(this.local, key, cb, timeWindow, max);
        else cb(null, { current: 0, ttl: 0 });
      };
      // a Redis that is reconnecting may hold the command: do not let the request wait for it
      const timer = setTimeout(() => fallBack(new Error('redis did not answer')), timeoutMs);
      const primary = this.primary[method];
      if (!primary) return fallBack(new Error(`store has no ${method}`));
      try {
        primary.call(this.primary, key, (err, res) => {
          clearTimeout(timer);
          if (done) return;
          if (err || !res) return fallBack(err);
          done = true;
          cb(null, res);
        }, timeWindow, max);
      } catch (err) {
        clearTimeout(timer);
        fallBack(err);
      }
    }

    incr(key: string, cb: Cb, timeWindow: number, max: number) {
      this.run('incr', key, cb, timeWindow, max);
    }

    read(key: string, cb: Cb, timeWindow: number, max: number) {
      this.run('read', key, cb, timeWindow, max);
    }

    child(routeOptions: RouteOptions): Store {
      return new FallbackStore(this.primary.child(routeOptions), this.local.child(routeOptions));
    }
  }

  // the plugin constructs the store with its global parameters, then asks it for a child per route
  return class extends FallbackStore {
    constructor(globalParams: { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number } & object) {
      super(
        new RedisStore(globalParams.continueExceeding, globalParams.exponentialBackoff, redis, nameSpace),
        new LocalStore(globalParams.continueExceeding, globalParams.exponentialBackoff, globalParams.cache),
      );
    }
  };
}
