import { Redis, type RedisOptions } from 'ioredis';
import { logErrors, throttledWarn } from './best-effort.js';

/**
 * Producers (web requests) must fail fast when Redis is down so the request can answer from
 * Postgres alone; BullMQ workers instead need to block and retry forever.
 */
export function createRedis(url: string, role: 'producer' | 'worker' | 'subscriber', extra: RedisOptions = {}): Redis {
  const opts: RedisOptions =
    role === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: false }
      : { maxRetriesPerRequest: null, enableReadyCheck: false };
  const redis = new Redis(url, {
    ...opts,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
  // Connection errors must never crash the process; readiness checks report them, and stderr says so
  // (at most once per 30 s per connection) so an outage is visible even before a logger exists.
  logErrors(redis, undefined, `redis (${role})`);
  return reportFailedSubscriptions(redis, `redis (${role})`);
}

const SUBSCRIBING = ['subscribe', 'psubscribe', 'ssubscribe'] as const;

/**
 * ioredis subscribes again by itself after a reconnect (autoResubscribe) and does not handle that command's
 * answer; the Socket.IO Redis Streams adapter subscribes its namespaces on a duplicate of its client the same
 * way. When the connection drops, or the client is closed, before Redis answered, the command is rejected
 * ("Connection is closed.") with nobody listening: an unhandled rejection. On every client made here, and on
 * the duplicates made from it, a failed subscription is reported at warn instead; a caller that awaits the
 * subscription still gets the failure, and ioredis subscribes again on its next reconnect.
 */
function reportFailedSubscriptions(redis: Redis, what: string): Redis {
  const warn = throttledWarn(undefined, `${what}: a subscription failed`, 30_000);
  const methods = redis as unknown as Record<(typeof SUBSCRIBING)[number], (...args: unknown[]) => Promise<unknown>>;
  for (const m of SUBSCRIBING) {
    const original = methods[m].bind(redis);
    methods[m] = (...args: unknown[]) => {
      const answer = original(...args);
      answer.catch(warn);
      return answer;
    };
  }
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = ((...args: Parameters<Redis['duplicate']>) => reportFailedSubscriptions(duplicate(...args), what)) as Redis['duplicate'];
  return redis;
}
