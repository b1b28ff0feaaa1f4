import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/**
 * One owner per Stasis application across hub nodes: the holder of this Redis lease is the only process listening
 * to the app's events (so one process handles a given channel). It renews the lease while alive; when it dies the
 * lease runs out and another node takes over and re-attaches to the live calls.
 */
export class AppLease {
  readonly token = randomUUID();
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if free, or renews it if ours. True = we own the app now. */
  async acquireOrRenew(): Promise<boolean> {
    const r = await this.redis.eval(
      `local v = redis.call('GET', KEYS[1])
       if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
       if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
       return 0`,
      1,
      this.key,
      this.token,
      String(this.ttlMs),
    );
    return r === 1;
  }

  /** Gives the lease up at once (a clean shutdown), so the next node does not wait for it to expire. */
  async release(): Promise<void> {
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, this.key, this.token);
  }
}
