import { Redis, type RedisOptions } from 'ioredis';
import { logErrors } from './best-effort.js';

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
  return redis;
}
