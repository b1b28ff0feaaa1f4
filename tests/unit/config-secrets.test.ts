import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../server/src/config.js';
import { localEncryptionKey } from '../../scripts/local-secrets.mjs';

const base = { DATABASE_URL: 'postgres://u@localhost/db', REDIS_URL: 'redis://localhost:6379' };
const root = path.resolve(import.meta.dirname, '../..');

describe('ENCRYPTION_KEY outside development and test', () => {
  it('is required when NODE_ENV is unset, production or anything else, and names the fix', () => {
    for (const nodeEnv of [undefined, 'production']) {
      expect(() => loadConfig({ ...base, ...(nodeEnv ? { NODE_ENV: nodeEnv } : {}) })).toThrow(/ENCRYPTION_KEY is required unless NODE_ENV is development or test.*openssl rand -hex 32/s);
    }
    expect(loadConfig({ ...base, NODE_ENV: 'development' }).encryptionKey).toHaveLength(32);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).encryptionKey).toHaveLength(32);
  });

  it('the server and the workers refuse to start without it (exit 2 with the reason)', () => {
    for (const entry of ['server/src/server.ts', 'workers/src/index.ts']) {
      const env = { ...process.env, ...base, NODE_ENV: 'production' } as NodeJS.ProcessEnv;
      delete env.ENCRYPTION_KEY;
      const r = spawnSync(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `${entry}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/ENCRYPTION_KEY is required/);
    }
  }, 180_000);

  it('npm start on a laptop generates a key into the data directory once and reuses it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ch-key-'));
    try {
      const first = localEncryptionKey(dir);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect((await stat(path.join(dir, 'encryption.key'))).mode & 0o777).toBe(0o600);
      expect(localEncryptionKey(dir)).toBe(first);
      expect(loadConfig({ ...base, NODE_ENV: 'production', ENCRYPTION_KEY: first }).encryptionKey).toEqual(Buffer.from(first, 'hex'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
