// Shared set-up for benchmarks: a throw-away migrated database and a Redis key prefix of their own.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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

/**
 * CPU time (user + system, ms) used so far by the processes a benchmark cares about, read from /proc:
 * the named child processes, the Postgres backends connected to the benchmark's own database (their
 * process title names it), and this process. CPU time, unlike wall time, stays meaningful on a machine
 * that is busy with other work; Postgres' shared background processes (WAL writer, checkpointer) and
 * Redis are not counted, since other work on the machine uses them too.
 */
function cpuSnapshot(children: Record<string, number | undefined>, dbName: string): Record<string, number> | null {
  if (!existsSync('/proc/self/stat')) return null;
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const cpuOf = (pid: number): number => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) * tick; // utime, stime (fields 14 and 15)
    } catch {
      return 0;
    }
  };
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(children)) if (pid) out[name] = cpuOf(pid);
  // one entry per backend ("postgres:<pid>"): a backend that ends between two snapshots (a stopped worker's
  // connections) must not take its whole past CPU time out of the sum
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith('postgres: ') && cmd.includes(` ${dbName} `)) out[`postgres:${d}`] = cpuOf(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  out.bench = cpuOf(process.pid);
  return out;
}

/**
 * CPU used from now on by the processes cpuSnapshot reads, sampled every 500 ms: a Postgres backend that
 * ends before the measurement does (a pool closing an idle connection) keeps the time it used until its
 * last sample instead of dropping out of the sum. Null where /proc is not there.
 */
export function startCpuMeter(children: Record<string, number | undefined>, dbName: string) {
  const first = cpuSnapshot(children, dbName);
  if (!first) return null;
  const last: Record<string, number> = { ...first };
  const sample = () => Object.assign(last, cpuSnapshot(children, dbName) ?? {});
  const timer = setInterval(sample, 500);
  timer.unref();
  return {
    /** CPU ms per message since the start, as cpuPerMessage writes it; the meter keeps running. */
    perMessage(messages: number): string {
      sample();
      return cpuPerMessage(first, last, messages);
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Per-message CPU (ms) between two snapshots, as "server 1.20 · postgres 0.80 · …". Postgres is the sum over
 * the backends in `after` (one that started in between counts from zero; startCpuMeter keeps backends that
 * ended in its last snapshot).
 */
function cpuPerMessage(before: Record<string, number> | null, after: Record<string, number> | null, messages: number): string {
  if (!before || !after || !messages) return '';
  const used = new Map<string, number>();
  for (const [k, v] of Object.entries(after)) {
    const name = k.split(':')[0];
    used.set(name, (used.get(name) ?? 0) + v - (before[k] ?? 0));
  }
  // postgres where the per-process figures end, as before
  const names = [...used.keys()].filter((n) => n !== 'bench' && n !== 'postgres');
  return [...names, 'postgres', 'bench']
    .filter((n) => used.has(n) || n === 'postgres')
    .map((n) => `${n} ${((used.get(n) ?? 0) / messages).toFixed(2)}`)
    .join(' · ');
}
