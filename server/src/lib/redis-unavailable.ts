/**
 * Errors that mean "Redis is not reachable right now" (stopped, restarting, network cut), as ioredis
 * reports them on a connection that does not queue commands while offline (lib/redis.ts 'producer'):
 * the request could not hand its work over, so it is answered 503 + Retry-After and can be repeated.
 */
const MESSAGES = [
  /Stream isn't writeable and enableOfflineQueue options is false/i,
  /Connection is closed/i,
  /Reached the max retries per request limit/i,
  /redis did not answer/i,
];

export function isRedisUnavailable(err: unknown): boolean {
  for (let e = err as { name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.name === 'MaxRetriesPerRequestError') return true;
    if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e!.message as string))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Seconds a client should wait before retrying while Redis is away. */
export const REDIS_RETRY_AFTER_SECONDS = 5;
