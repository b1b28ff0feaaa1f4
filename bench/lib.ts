// Shared set-up for benchmarks: a throw-away migrated database and a Redis key prefix of their own.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { migrate } from '../server/src/db/migrate.js';

export const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function benchDatabase(): Promise<{ url: string; prefix: string; drop(): Promise<void> }> {
  const id = randomBytes(4).toString('hex');
  const name = `ch_bench_${id}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  const prefix = `chb_${id}`;
  return {
    url,
    prefix,
    async drop() {
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
      r.disconnect();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
