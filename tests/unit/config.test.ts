import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config.js';

const base = { DATABASE_URL: 'postgres://u@localhost/db', REDIS_URL: 'redis://localhost:6379' };

describe('configuration', () => {
  it('accepts a minimal environment and fills in defaults', () => {
    const c = loadConfig({ ...base, NODE_ENV: 'development' });
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.encryptionKey).toHaveLength(32);
  });

  it('reports every bad value at once with a clear reason', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', PUBLIC_URL: 'not a url', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DATABASE_URL must use postgres:/);
      expect(problems).toMatch(/REDIS_URL is required/);
      expect(problems).toMatch(/PORT must be an integer/);
      expect(problems).toMatch(/PUBLIC_URL is not a valid URL/);
      expect(problems).toMatch(/LOG_LEVEL must be one of/);
    }
  });

  it('requires a real encryption key in production and validates its length', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/ENCRYPTION_KEY is required/);
    expect(() => loadConfig({ ...base, ENCRYPTION_KEY: 'abcd' })).toThrow(/ENCRYPTION_KEY must be 32 bytes/);
    expect(loadConfig({ ...base, ENCRYPTION_KEY: 'a'.repeat(64) }).encryptionKey).toEqual(Buffer.alloc(32, 0xaa));
  });

  it('presence leases: defaults of 15 s renewed every 5 s; a heartbeat not shorter than the lease is refused', () => {
    const d = loadConfig({ ...base, NODE_ENV: 'development' }).routing;
    expect([d.presenceLeaseMs, d.presenceHeartbeatMs]).toEqual([15_000, 5_000]);
    const c = loadConfig({ ...base, NODE_ENV: 'development', PRESENCE_LEASE_SECONDS: '4', PRESENCE_HEARTBEAT_SECONDS: '1' }).routing;
    expect([c.presenceLeaseMs, c.presenceHeartbeatMs]).toEqual([4000, 1000]);
    expect(() => loadConfig({ ...base, NODE_ENV: 'development', PRESENCE_LEASE_SECONDS: '5', PRESENCE_HEARTBEAT_SECONDS: '5' })).toThrow(
      /PRESENCE_HEARTBEAT_SECONDS \(5\) must be less than PRESENCE_LEASE_SECONDS \(5\)/,
    );
    expect(() => loadConfig({ ...base, NODE_ENV: 'development', PRESENCE_LEASE_SECONDS: '1' })).toThrow(/PRESENCE_LEASE_SECONDS must be an integer between 2 and 3600/);
  });
});
