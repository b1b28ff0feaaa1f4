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
});
