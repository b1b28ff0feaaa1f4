import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../server/src/config.js';
import { createPool } from '../../server/src/db/pool.js';
import { buildApp } from '../../server/src/app.js';
import { PG_ADMIN_URL, REDIS_URL, dbUrl } from './env.js';

export interface TestDb {
  name: string;
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file (cloned from the run's template). */
export async function freshDatabase(): Promise<TestDb> {
  const name = `ch_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  // Cloning needs the template idle; concurrent clones from parallel files can briefly collide.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDb')}`);
      break;
    } catch (err) {
      if (attempt > 40 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  await admin.end();
  const url = dbUrl(name);
  const pool = createPool(url, 20);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => {});
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}

export interface TestContext {
  db: TestDb;
  config: Config;
  app: FastifyInstance;
  /** A Redis client on the test's own key prefix space, for assertions. */
  redis: Redis;
  close(): Promise<void>;
}

export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}, storageDir?: string): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: `cht_${randomBytes(4).toString('hex')}`,
    INBOUND_API_KEY: 'test-inbound-key-0123456789',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    STORAGE_DIR: storageDir ?? path.join(os.tmpdir(), 'ch-test-attachments'),
    UI_DIST_DIR: '/nonexistent',
    ...overrides,
  });
}

/** Fresh database + app on a unique queue prefix; close() removes everything it made. */
export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const db = await freshDatabase();
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'ch-att-'));
  const config = testConfig(db.url, overrides, storageDir);
  const app = await buildApp({ config, logger: false });
  await app.ready();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  return {
    db,
    config,
    app,
    redis,
    async close() {
      await app.close();
      const keys = await redis.keys(`${config.queuePrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await db.drop();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** Serves the context's app on a free local port (for sockets and browsers); its base URL. */
export async function listenLocally(ctx: TestContext): Promise<string> {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`;
}
