import { Redis, type RedisOptions } from 'ioredis';

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
  // Connection errors are reported by readiness checks and logs; they must never crash the process.
  redis.on('error', () => {});
  return redis;
}
