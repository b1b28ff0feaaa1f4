// The hot path as deployed: server, workers and a router as processes of their own (private database
// and Redis key prefix), this process playing the providers and the agents. Prints in one run:
//   1. baselines: a bare loop of one Postgres INSERT + one BullMQ add (closed loop), and the bare BullMQ
//      add → process round trip;
//   2. ingest throughput, inbound API and signed Twilio SMS, closed loop at each concurrency, with the
//      ratio to the bare loop at the same concurrency (target ≥ 50 %);
//   3. ingest → offer latency with N agents connected (socket.io-client on /agent, accept at once, solve
//      0.3–2 s later over the HTTP API) at each arrival rate, webhook answer p99 and offers delivered;
//   4. an overload burst at 2× the highest sustainable rate: how it is answered (503 + Retry-After rather
//      than minute-long waits), agents set Away, accepts committed after their offer expired, recovery.
// Every figure is printed next to a baseline measured in the same run: the machine is shared.
//
// Parameters (environment): BENCH_AGENTS (200), BENCH_RATES (25,50,100 msg/s), BENCH_SECONDS per rate (10),
// BENCH_CONCURRENCY (16,64), BENCH_INGEST_SECONDS per closed loop (8), BENCH_OVERLOAD_RATE (2× sustainable),
// BENCH_OVERLOAD_SECONDS (8), BENCH_MAX_SECONDS hard limit for the whole run (900), BENCH_DATABASE_URL,
// BENCH_REDIS_URL, BENCH_ONLY (ingest | routing), BENCH_CPU_PROF (a directory for V8 CPU profiles of the processes),
// BENCH_KEEP_LOGS (keep the processes' logs). The issue's figures: BENCH_AGENTS=1000 BENCH_RATES=100,300,500.
// With BENCH_DATABASE_URL on a cluster that preloads pg_stat_statements, ingest also reports statements and
// WAL per message.
import { performance } from 'node:perf_hooks';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import twilio from 'twilio';
import { io as connect, type Socket } from 'socket.io-client';
import { createSession } from '../server/src/auth/sessions.js';
import { OUTBOUND_IN_FLIGHT } from '../server/src/outbound/sweep.js';
import { startTwilioApiServer } from '../tests/helpers/twilio-api-server.js';
import { startCpuMeter, benchDatabase, percentile, REDIS_URL, PG_ADMIN_URL } from './lib.js';

const list = (name: string, def: number[]) => (process.env[name] ? process.env[name]!.split(',').map(Number).filter((n) => n > 0) : def);
const num = (name: string, def: number) => (process.env[name] ? Number(process.env[name]) : def);
const P = {
  agents: Math.min(num('BENCH_AGENTS', 200), 2000),
  rates: list('BENCH_RATES', [25, 50, 100]).map((r) => Math.min(r, 2000)),
  seconds: Math.min(num('BENCH_SECONDS', 10), 120),
  concurrency: list('BENCH_CONCURRENCY', [16, 64]).map((c) => Math.min(c, 512)),
  ingestSeconds: Math.min(num('BENCH_INGEST_SECONDS', 8), 120),
  overloadRate: num('BENCH_OVERLOAD_RATE', 0),
  overloadSeconds: Math.min(num('BENCH_OVERLOAD_SECONDS', 8), 60),
  maxSeconds: num('BENCH_MAX_SECONDS', 900),
};
const API_KEY = 'bench-inbound-key-0123456789';
const TWILIO_SID = 'AC' + '0'.repeat(32);
const TWILIO_TOKEN = 'bench-twilio-auth-token';
/** The hub's number the SMS customers write to (and receive their receipts from). */
const OUR_NUMBER = '+14155550100';
const PUBLIC_URL = 'https://hub.example.test';
/** A client-side cap on answers awaited at once, so an overload cannot exhaust this process. */
const MAX_IN_FLIGHT = 4000;
/** The longest this client waits for an answer (a provider would give up sooner: Twilio at 15 s). */
const ANSWER_TIMEOUT_MS = 60_000;

const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms` : 'n/a');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const sleep = (t: number) => new Promise<void>((r) => setTimeout(r, t));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
};

// ---------------------------------------------------------------- cleanup, whatever happens
const cleanups: { name: string; fn: () => Promise<unknown> }[] = [];
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      await Promise.race([c.fn(), sleep(20_000).then(() => Promise.reject(new Error('timed out')))]).catch((err) =>
        console.error(`cleanup ${c.name}: ${(err as Error).message}`),
      );
    }
    cleanups.length = 0;
  })();
  return cleaning;
}
let unhandled = 0;
process.on('unhandledRejection', (err) => {
  unhandled++;
  console.error('unhandled rejection (counted; the run goes on):', err);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
const deadline = setTimeout(() => {
  console.error(`BENCH_MAX_SECONDS=${P.maxSeconds} reached: cleaning up`);
  void cleanup().finally(() => process.exit(2));
}, P.maxSeconds * 1000);
deadline.unref();

// ---------------------------------------------------------------- deployment
interface Deployment {
  base: string;
  db: pg.Pool;
  dbName: string;
  prefix: string;
  logs: string;
  /** Process ids of the server, the workers and the router (for CPU accounting). */
  pids: Record<string, number | undefined>;
  /** Stops the workers and the router, leaving the server alone (to tell ingest's cost from routing's). */
  stopBackground(): Promise<void>;
  /** Messages the hub has handed to (the stand-in of) Twilio's REST API so far. */
  sentToTwilio(): number;
}

function spawnChild(name: string, script: string, env: NodeJS.ProcessEnv, logDir: string): ChildProcess {
  const out = openSync(path.join(logDir, `${name}.log`), 'a');
  // its own process group, so a stop reaches everything it started
  // BENCH_CPU_PROF=<dir>: each process writes a V8 CPU profile there when it stops (node --cpu-prof)
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF, name)] : [];
  const c = spawn(process.execPath, [...prof, '--import', 'tsx', script], { env, stdio: ['ignore', out, out], detached: true });
  c.on('error', (err) => console.error(`${name}: ${err.message}`));
  return c;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  try {
    process.kill(-c.pid, 'SIGTERM');
  } catch {
    return;
  }
  const killed = await Promise.race([exited.then(() => true), sleep(12_000).then(() => false)]);
  if (!killed) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await Promise.race([exited, sleep(3000)]);
  }
}

async function deploy(label: string): Promise<Deployment> {
  const bdb = await benchDatabase();
  cleanups.push({ name: `database and Redis keys (${label})`, fn: () => bdb.drop() });
  const logs = mkdtempSync(path.join(os.tmpdir(), `ch-bench-${label}-`));
  const storage = path.join(logs, 'storage');
  // BENCH_KEEP_LOGS=1: the processes' logs stay (their folder is printed) for reading after the run
  if (process.env.BENCH_KEEP_LOGS) console.log(`  (${label}) logs in ${logs}`);
  else cleanups.push({ name: `temp dir (${label})`, fn: async () => rmSync(logs, { recursive: true, force: true }) });
  const port = 20000 + Math.floor(Math.random() * 20000);
  // What the hub sends goes to Twilio's REST API as in production: the protocol-true stand-in the tests use
  // (it answers as Twilio does). With no sender number the customers' SMS receipts failed before any request.
  const twilioApi = await startTwilioApiServer({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN });
  cleanups.push({ name: `Twilio API stand-in (${label})`, fn: () => twilioApi.close() });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    ENCRYPTION_KEY: 'a'.repeat(64),
    DATABASE_URL: bdb.url,
    REDIS_URL,
    QUEUE_PREFIX: bdb.prefix,
    INBOUND_API_KEY: API_KEY,
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_API_BASE_URL: twilioApi.url,
    PUBLIC_URL,
    LOG_LEVEL: 'error',
    UI_DIST_DIR: '/nonexistent',
    WIDGET_DIST_DIR: '/nonexistent',
    PORTAL_DIST_DIR: '/nonexistent',
    STORAGE_DIR: storage,
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const db = new pg.Pool({ connectionString: bdb.url, max: 10 });
  db.on('error', (err) => console.error(`bench pool: ${err.message}`));
  cleanups.push({ name: `bench pool (${label})`, fn: () => db.end() });
  // the number customers text, as Admin → Phone numbers adds it
  await db.query(`INSERT INTO phone_numbers (e164, friendly_name) VALUES ($1, 'Support line')`, [OUR_NUMBER]);
  const children = [
    spawnChild('server', 'server/src/server.ts', env, logs),
    spawnChild('workers', 'workers/src/index.ts', env, logs),
    spawnChild('router', 'workers/src/router-cli.ts', env, logs),
  ];
  cleanups.push({
    name: `processes (${label})`,
    fn: async () => {
      await Promise.all(children.map(stopChild));
      // what the processes said, for a reader of a failed run
      for (const n of ['server', 'workers', 'router']) {
        const text = (() => {
          try {
            return readFileSync(path.join(logs, `${n}.log`), 'utf8');
          } catch {
            return '';
          }
        })();
        const lines = text.split('\n').filter(Boolean);
        if (lines.length) console.log(`  (${label}) ${n} logged ${lines.length} lines; last: ${lines.at(-1)!.slice(0, 300)}`);
      }
    },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    if (children.some((c) => c.exitCode !== null)) throw new Error(`a process of the ${label} deployment exited at start (logs in ${logs})`);
    if (i > 600) throw new Error('server did not start within 60 s');
    await sleep(100);
  }
  await sleep(1500); // workers and router connect
  const stopBackground = async () => void (await Promise.all(children.slice(1).map(stopChild)));
  const pids = { server: children[0].pid, workers: children[1].pid, router: children[2].pid };
  return { base, db, dbName: new URL(bdb.url).pathname.slice(1), prefix: bdb.prefix, logs, pids, stopBackground, sentToTwilio: () => twilioApi.messages.length };
}

// ---------------------------------------------------------------- load generators
interface Answer {
  status: number; // 0 = no answer (reset, timeout)
  ms: number;
  retryAfter: boolean;
}

/**
 * One POST over a kept-alive connection. node:http rather than fetch: the load generator shares the two
 * cores with the hub, and fetch cost the bench process about four times as much CPU per request.
 */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1024 });
function post(url: string, init: { method?: string; headers: Record<string, string>; body: string | URLSearchParams }): Promise<Answer> {
  const t = performance.now();
  const body = typeof init.body === 'string' ? init.body : init.body.toString();
  return new Promise<Answer>((resolve) => {
    const req = http.request(
      url,
      { method: init.method ?? 'POST', agent: keepAlive, headers: { ...init.headers, 'content-length': Buffer.byteLength(body) }, timeout: ANSWER_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t, retryAfter: res.headers['retry-after'] !== undefined }));
        res.on('error', () => resolve({ status: 0, ms: performance.now() - t, retryAfter: false }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t, retryAfter: false }));
    req.end(body);
  });
}

let seq = 0;
const runId = randomBytes(3).toString('hex');
function inbound(base: string, o: { subject?: string; channel?: string } = {}): Promise<Answer> {
  const i = ++seq;
  return post(`${base}/api/v1/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({
      channel: o.channel,
      providerMessageId: `bench-${runId}-${i}`,
      from: { kind: 'api', value: `customer-${runId}-${i}` },
      subject: o.subject ?? `bench message ${i}`,
      text: 'Hello, my order has not arrived yet. Could you look into it?',
    }),
  });
}
function sms(base: string): Promise<Answer> {
  const i = ++seq;
  const params = {
    MessageSid: 'SM' + randomBytes(16).toString('hex'),
    From: `+1415${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}`,
    To: OUR_NUMBER,
    Body: `Hello, my order has not arrived yet (${i})`,
    NumMedia: '0',
  };
  const sig = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}/webhooks/twilio/sms`, params);
  return post(`${base}/webhooks/twilio/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
    body: new URLSearchParams(params),
  });
}

/** Closed loop: `concurrency` callers each sending the next request when the previous is answered. */
async function closedLoop(concurrency: number, seconds: number, fn: () => Promise<boolean>): Promise<{ ok: number; failed: number; perSecond: number }> {
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if (await fn().catch(() => false)) ok++;
        else failed++;
      }
    }),
  );
  return { ok, failed, perSecond: ok / ((performance.now() - t0) / 1000) };
}

/** Open loop: arrivals at a fixed rate whatever the answers; resolves when every answer is in. */
async function openLoop(rate: number, seconds: number, fn: (i: number) => Promise<void>): Promise<{ skipped: number }> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    if (pending.size >= MAX_IN_FLIGHT) {
      skipped++;
      continue;
    }
    const p = fn(i).catch((err) => console.error(`request ${i}: ${(err as Error).message}`));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }
  await Promise.all(pending);
  return { skipped };
}

// ---------------------------------------------------------------- pg_stat_statements (when preloaded)
async function statementStats(db: pg.Pool, dbName: string): Promise<{ calls: number; wal: number } | null> {
  try {
    const r = await db.query(
      `SELECT sum(calls)::float8 AS calls, sum(wal_bytes)::float8 AS wal FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 AND s.query NOT ILIKE '%pg_stat_statements%'`,
      [dbName],
    );
    return { calls: r.rows[0].calls ?? 0, wal: r.rows[0].wal ?? 0 };
  } catch {
    return null;
  }
}

async function bullRoundTrip(conn: Redis, wconn: Redis, prefix: string): Promise<ReturnType<typeof stats>> {
  // bare BullMQ add → process round trip, one at a time: from the add call until the worker holds the job
  const rttMs: number[] = [];
  let arrived: (() => void) | null = null;
  const worker = new Worker(
    'bench-rtt',
    async (job) => {
      rttMs.push(performance.now() - (job.data as { t: number }).t);
      arrived?.();
    },
    { connection: wconn, prefix: prefix, concurrency: 1 },
  );
  cleanups.push({ name: 'baseline worker', fn: () => worker.close() });
  const rttQueue = new Queue('bench-rtt', { connection: conn, prefix: prefix });
  cleanups.push({ name: 'rtt queue', fn: () => rttQueue.close() });
  await worker.waitUntilReady();
  for (let i = 0; i < 320; i++) {
    const got = new Promise<void>((r) => (arrived = r));
    await rttQueue.add('ping', { t: performance.now() }, { removeOnComplete: true });
    await Promise.race([got, sleep(5000)]);
  }
  rttMs.splice(0, 20); // warm-up
  return stats(rttMs);
}

async function bullRoundTripOnly(): Promise<ReturnType<typeof stats>> {
  const prefix = `chb_rtt_${randomBytes(4).toString('hex')}`;
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const wconn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const rtt = await bullRoundTrip(conn, wconn, prefix);
    console.log(`bare BullMQ add→process round trip (sequential, ${rtt.n}): p50 ${ms(rtt.p50)}  p99 ${ms(rtt.p99)}`);
    await cleanup();
    cleaning = null;
    return rtt;
  } finally {
    const keys = await conn.keys(`${prefix}*`).catch(() => [] as string[]);
    if (keys.length) await conn.del(...keys).catch(() => 0);
    conn.disconnect();
    wconn.disconnect();
  }
}

// ---------------------------------------------------------------- 1 + 2: baselines and ingest throughput
async function ingestPhase(): Promise<{ bareLoop: Map<number, number>; rtt: ReturnType<typeof stats> }> {
  console.log(`\n-- deployment 1: ingest throughput (closed loop, ${P.ingestSeconds} s each, no agent available)`);
  const d = await deploy('ingest');
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const wconn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  cleanups.push({ name: 'baseline Redis connections', fn: async () => (conn.disconnect(), wconn.disconnect()) });
  const queue = new Queue('bench-baseline', { connection: conn, prefix: d.prefix });
  cleanups.push({ name: 'baseline queue', fn: () => queue.close() });
  await d.db.query(`CREATE TABLE bench_loop (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  await d.db.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).catch(() => {});
  const hasPss = (await statementStats(d.db, d.dbName)) !== null;

  const rtt = await bullRoundTrip(conn, wconn, d.prefix);
  console.log(`bare BullMQ add→process round trip (sequential, ${rtt.n}): p50 ${ms(rtt.p50)}  p99 ${ms(rtt.p99)}`);

  const bareLoop = new Map<number, number>();
  const rows: string[] = [];
  for (const c of P.concurrency) {
    await drainBackground(d.db);
    const bareMeter = startCpuMeter({}, d.dbName);
    const bare = await closedLoop(c, P.ingestSeconds, async () => {
      await d.db.query(`INSERT INTO bench_loop (payload) VALUES ($1)`, [JSON.stringify({ from: 'customer', text: 'hello' })]);
      await queue.add('route', { t: Date.now() }, { removeOnComplete: true });
      return true;
    });
    bareLoop.set(c, bare.perSecond);
    const bareCpu = bareMeter?.perMessage(bare.ok) ?? '';
    bareMeter?.stop();
    console.log(`bare loop (1 INSERT + 1 BullMQ add, pool of 10), concurrency ${c}: ${bare.perSecond.toFixed(0)} /s${bareCpu ? ` · CPU ms per message: ${bareCpu}` : ''}`);
    for (const [name, fn] of [
      ['inbound API', () => inbound(d.base)],
      ['Twilio SMS', () => sms(d.base)],
    ] as const) {
      await closedLoop(4, 1, async () => ((await fn()).status < 300)); // warm-up
      await drainBackground(d.db);
      const before = hasPss ? await statementStats(d.db, d.dbName) : null;
      const sentBefore = d.sentToTwilio();
      const failedBefore = await failedOutbound(d.db);
      const meter = startCpuMeter(d.pids, d.dbName);
      const r = await closedLoop(c, P.ingestSeconds, async () => {
        const a = await fn();
        return a.status === 200 || a.status === 201;
      });
      const cpu = meter?.perMessage(r.ok) ?? '';
      // what the loop left the workers (SLA clocks, customer receipts and their delivery, routing queue) is part of its cost;
      // the drain's own polling reads only small sets (the receipts in flight through migration 1782's index)
      const drained = await drainBackground(d.db);
      const cpuAll = meter?.perMessage(r.ok) ?? '';
      meter?.stop();
      const receipts = `${d.sentToTwilio() - sentBefore} receipts sent to Twilio, ${(await failedOutbound(d.db)) - failedBefore} failed`;
      const after = hasPss ? await statementStats(d.db, d.dbName) : null;
      const per = before && after && r.ok ? ` · ${((after.calls - before.calls) / r.ok).toFixed(1)} statements (all processes), ${((after.wal - before.wal) / r.ok / 1024).toFixed(1)} KB WAL per message` : '';
      const line =
        `${name.padEnd(11)} concurrency ${String(c).padStart(3)}: ${r.perSecond.toFixed(0).padStart(5)} msg/s = ${pct(r.perSecond / bare.perSecond)} of the bare loop (target ≥ 50 %)${r.failed ? `, ${r.failed} failed` : ''}${per}` +
        `${cpu ? ` · CPU ms per message: ${cpu}` : ''}${cpuAll ? `\n      with the backlog it left the workers (${receipts}; drained ${drained.toFixed(1)} s after the loop): ${cpuAll}` : ''}`;
      rows.push(line);
      console.log(line);
    }
  }
  // the same closed loops with the workers and the router stopped: what ingest alone costs
  await d.stopBackground();
  console.log('with the workers and the router stopped (ingest alone; routing jobs stay queued):');
  for (const c of P.concurrency) {
    for (const [name, fn] of [
      ['inbound API', () => inbound(d.base)],
      ['Twilio SMS', () => sms(d.base)],
    ] as const) {
      const before = hasPss ? await statementStats(d.db, d.dbName) : null;
      const meter = startCpuMeter({ server: d.pids.server }, d.dbName);
      const r = await closedLoop(c, P.ingestSeconds, async () => {
        const a = await fn();
        return a.status === 200 || a.status === 201;
      });
      const cpu = meter?.perMessage(r.ok) ?? '';
      meter?.stop();
      const after = hasPss ? await statementStats(d.db, d.dbName) : null;
      const per = before && after && r.ok ? ` · ${((after.calls - before.calls) / r.ok).toFixed(1)} statements, ${((after.wal - before.wal) / r.ok / 1024).toFixed(1)} KB WAL per message` : '';
      console.log(
        `${name.padEnd(11)} concurrency ${String(c).padStart(3)}: ${r.perSecond.toFixed(0).padStart(5)} msg/s = ${pct(r.perSecond / bareLoop.get(c)!)} of the bare loop${r.failed ? `, ${r.failed} failed` : ''}${per}${cpu ? ` · CPU ms per message: ${cpu}` : ''}`,
      );
    }
  }
  const base = hasPss ? await statementStats(d.db, d.dbName) : null;
  if (!base) console.log('(statements per message: run against a cluster with pg_stat_statements preloaded, see bench/RESULTS.md)');
  await cleanup(); // this deployment goes before the next one starts
  cleaning = null;
  return { bareLoop, rtt };
}

/** Outbound messages whose delivery failed for good (a receipt that cannot be sent ends here). */
const failedOutbound = (db: pg.Pool) =>
  db.query(`SELECT count(*)::int AS n FROM interactions WHERE direction = 'outbound' AND delivery_status = 'failed'`).then((r) => r.rows[0].n as number);

/**
 * Waits (up to 60 s) until the workers have done what the previous closed loop left them: SLA recomputes,
 * customer notices to build and deliver, cases to put on the routing queue; answers the seconds waited. Without it that
 * backlog is worked off during the next loop, whose throughput and CPU per message it then distorts (the bare
 * loop at concurrency 64 once ran at a third of its speed right after the Twilio loop). The as-deployed loops
 * give their CPU per message twice: at the loop's end, and once the backlog they left is done.
 */
async function drainBackground(db: pg.Pool): Promise<number> {
  const t0 = Date.now();
  let left = 0;
  while (Date.now() - t0 < 60_000) {
    const r = await db.query(
      `SELECT (SELECT count(*) FROM case_sla_marks) + (SELECT count(*) FROM case_notices WHERE state = 'pending')
              + (SELECT count(*) FROM case_enqueue_marks)
              + (SELECT count(*) FROM interactions WHERE ${OUTBOUND_IN_FLIGHT}) AS n`,
    );
    left = Number(r.rows[0].n);
    if (!left) break;
    await sleep(250);
  }
  if (left) console.log(`  (the workers' backlog did not drain within 60 s: ${left} left)`);
  return (Date.now() - t0) / 1000;
}

// ---------------------------------------------------------------- 3 + 4: agents, latency, overload
interface AgentsRun {
  sent: Map<string, number>;
  latencies: number[];
  delivered: number;
  acceptFailed: number;
  /** why accepts failed: the server's reason, or `no answer within 5 s` */
  acceptFailures: Record<string, number>;
  solveFailed: number;
}

async function routingPhase(rtt: ReturnType<typeof stats>) {
  console.log(`\n-- deployment 2: ingest → offer with ${P.agents} agents (accept at once, solve 0.3–2 s later)`);
  const d = await deploy('routing');
  const q = await d.db.query(`INSERT INTO queues (name, is_default) VALUES ('bench', true) RETURNING id`);
  const agents = await d.db.query(
    `INSERT INTO agents (email, name, password_hash, capacity)
     SELECT 'bench' || g || '@example.test', 'Bench ' || g, 'x', '{"chat":3,"email":5,"sms":5,"voice":1,"api":5,"portal":5}'
       FROM generate_series(1, $1) g RETURNING id`,
    [P.agents],
  );
  await d.db.query(`INSERT INTO queue_members (queue_id, agent_id) SELECT $1, id FROM agents`, [q.rows[0].id]);

  let run: AgentsRun = { sent: new Map(), latencies: [], delivered: 0, acceptFailed: 0, acceptFailures: {}, solveFailed: 0 };
  const sockets: Socket[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  cleanups.push({
    name: 'agent sockets',
    fn: async () => {
      stopping = true;
      timers.forEach(clearTimeout);
      sockets.forEach((s) => s.disconnect());
    },
  });
  const connectAgent = async (id: number) => {
    const { token } = await createSession(d.db, id, 2);
    const s = connect(`${d.base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    s.on('offer', (o: { offerId: string; case: { id: number; subject: string } }) => {
      const r = run;
      const t = r.sent.get(o.case.subject);
      if (t !== undefined) {
        r.sent.delete(o.case.subject);
        r.latencies.push(performance.now() - t);
        r.delivered++;
      }
      s.timeout(5000)
        .emitWithAck('offer:accept', { offerId: o.offerId })
        .then((a: { ok: boolean; caseId?: number; reason?: string }) => {
          if (!a.ok) {
            r.acceptFailed++;
            const why = a.reason ?? 'refused';
            r.acceptFailures[why] = (r.acceptFailures[why] ?? 0) + 1;
            return;
          }
          if (stopping) return;
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (stopping) return;
            void post(`${d.base}/api/v1/cases/${o.case.id}/status`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ status: 'solved', resolutionNote: 'answered' }),
            }).then((x) => void (x.status === 200 || r.solveFailed++));
          }, 300 + Math.random() * 1700);
          timers.add(timer);
        })
        .catch(() => {
          r.acceptFailed++;
          r.acceptFailures['no answer within 5 s'] = (r.acceptFailures['no answer within 5 s'] ?? 0) + 1;
        });
    });
    await s.timeout(10_000).emitWithAck('presence:set', { presence: 'available' });
  };
  for (let i = 0; i < agents.rows.length; i += 50) await Promise.all(agents.rows.slice(i, i + 50).map((a) => connectAgent(a.id)));
  await sleep(1500);
  for (let i = 0; i < 20; i++) await inbound(d.base, { channel: 'chat', subject: `warm-up ${i}` });
  await sleep(2000);

  const measure = async (label: string, rate: number, seconds: number) => {
    run = { sent: new Map(), latencies: [], delivered: 0, acceptFailed: 0, acceptFailures: {}, solveFailed: 0 };
    const r = run;
    const answers: Answer[] = [];
    const t0 = performance.now();
    let n = 0;
    const { skipped } = await openLoop(rate, seconds, async () => {
      const subject = `${label} ${++n}`;
      r.sent.set(subject, performance.now());
      const a = await inbound(d.base, { channel: 'chat', subject });
      answers.push(a);
      if (a.status !== 201 && a.status !== 200) r.sent.delete(subject); // not taken: nothing to offer
    });
    const accepted = answers.filter((a) => a.status === 201 || a.status === 200).length;
    // offers still on their way: wait for them, bounded
    for (let i = 0; i < 300 && r.delivered < accepted; i++) await sleep(100);
    return { r, answers, accepted, skipped, wall: (performance.now() - t0) / 1000 };
  };

  const results: { rate: number; sustainable: boolean }[] = [];
  let firstP99 = NaN;
  for (const rate of P.rates) {
    const meter = startCpuMeter(d.pids, d.dbName);
    const m = await measure(`rate-${rate}`, rate, P.seconds);
    // the whole cost of a message: ingest, offer, accept, solve and the agents' side (bench = agents + load generator)
    const cpu = meter?.perMessage(m.r.delivered) ?? '';
    meter?.stop();
    const lat = stats(m.r.latencies);
    const ans = stats(m.answers.map((a) => a.ms));
    const refused = m.answers.filter((a) => a.status === 503).length;
    const failed = m.answers.filter((a) => a.status !== 201 && a.status !== 200 && a.status !== 503).length;
    const sustainable = m.r.delivered === m.accepted && refused === 0 && failed === 0 && lat.p99 < 1000 && ans.p99 < 1000;
    results.push({ rate, sustainable });
    if (!Number.isFinite(firstP99)) firstP99 = lat.p99;
    console.log(
      `${String(rate).padStart(4)} msg/s × ${P.seconds} s: ingest→offer p50 ${ms(lat.p50)} p99 ${ms(lat.p99)} (p99 ×${(lat.p99 / rtt.p99).toFixed(1)} the BullMQ round trip)` +
        ` · webhook answer p50 ${ms(ans.p50)} p99 ${ms(ans.p99)} · offers delivered ${m.r.delivered} of ${m.accepted} taken (${m.answers.length} sent)` +
        `${refused ? ` · ${refused} answered 503` : ''}${failed ? ` · ${failed} failed/timed out` : ''}${m.skipped ? ` · ${m.skipped} not sent (client cap)` : ''}` +
        `${m.r.acceptFailed ? ` · ${m.r.acceptFailed} accepts refused/unanswered (${Object.entries(m.r.acceptFailures).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''} · ${sustainable ? 'sustained' : 'NOT sustained'}` +
        `${cpu ? `\n      CPU ms per offered message (ingest → offer → accept → solve): ${cpu}` : ''}`,
    );
    await sleep(3000); // let solves finish before the next rate
  }

  // overload: 2× the highest sustainable rate
  const best = results.filter((x) => x.sustainable).at(-1)?.rate ?? P.rates[0]!;
  const rate = P.overloadRate || best * 2;
  const t0 = new Date();
  const m = await measure('overload', rate, P.overloadSeconds);
  const burstEnd = performance.now();
  const ans = stats(m.answers.map((a) => a.ms));
  const by = (f: (a: Answer) => boolean) => m.answers.filter(f).length;
  const served = by((a) => a.status === 201 || a.status === 200);
  const refused = by((a) => a.status === 503);
  const refusedWithRetry = by((a) => a.status === 503 && a.retryAfter);
  const none = by((a) => a.status === 0);
  const other = m.answers.length - served - refused - none;
  const refusedLat = stats(m.answers.filter((a) => a.status === 503).map((a) => a.ms));
  const servedLat = stats(m.answers.filter((a) => a.status < 300 && a.status > 0).map((a) => a.ms));
  console.log(`overload ${rate} msg/s × ${P.overloadSeconds} s (2× the highest sustained rate ${best} msg/s${P.overloadRate ? ', set by BENCH_OVERLOAD_RATE' : ''}):`);
  console.log(
    `  answers: ${served} committed (p99 ${ms(servedLat.p99)}), ${refused} × 503 (${refusedWithRetry} with Retry-After, p99 ${ms(refusedLat.p99)}), ${other} other, ${none} unanswered/reset` +
      ` · all answers p50 ${ms(ans.p50)} p99 ${ms(ans.p99)} max ${ms(ans.max)}`,
  );
  const lat = stats(m.r.latencies);
  console.log(`  committed messages offered: ${m.r.delivered} of ${served} · ingest→offer p50 ${ms(lat.p50)} p99 ${ms(lat.p99)}`);
  const q1 = await d.db
    .query(`SELECT count(DISTINCT agent_id)::int AS n FROM agent_presence_log WHERE presence = 'away' AND started_at >= $1`, [t0])
    .then((x) => String(x.rows[0].n), (err) => `n/a (${(err as Error).message})`);
  const q2 = await d.db
    .query(`SELECT count(*)::int AS n FROM offers WHERE status = 'accepted' AND responded_at > expires_at`)
    .then((x) => String(x.rows[0].n), (err) => `n/a (${(err as Error).message})`);
  console.log(`  agents set Away during the burst: ${q1} · accepts committed after their offer expired (whole run): ${q2}`);

  // recovery: probes at 2/s until one is answered and offered as fast as at the lowest rate
  const lowP99 = Math.max(250, 2 * (firstP99 || 100));
  let recovered = NaN;
  run = { sent: new Map(), latencies: [], delivered: 0, acceptFailed: 0, acceptFailures: {}, solveFailed: 0 };
  for (let i = 0; i < 120; i++) {
    const subject = `probe ${i}`;
    const t = performance.now();
    run.sent.set(subject, t);
    const a = await inbound(d.base, { channel: 'chat', subject });
    if (a.status === 201) {
      const before = run.latencies.length;
      for (let k = 0; k < 20 && run.latencies.length === before; k++) await sleep(25);
      const l = run.latencies.at(-1);
      if (run.latencies.length > before && l !== undefined && l < lowP99 && a.ms < lowP99) {
        recovered = (performance.now() - burstEnd) / 1000;
        break;
      }
    }
    await sleep(500);
  }
  const waiting = await d.db
    .query(`SELECT count(*)::int AS n FROM cases WHERE routing_state = 'waiting'`)
    .then((x) => x.rows[0].n as number, () => NaN);
  console.log(
    `  recovery: a new message answered and offered within ${ms(lowP99)} ${Number.isFinite(recovered) ? `${recovered.toFixed(1)} s after the burst` : 'NOT within 60 s'}; cases still waiting then: ${waiting}`,
  );
}

async function main() {
  const t = performance.now();
  console.log(
    `hot path · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} · ${new Date().toISOString()}` +
      `\nparameters: agents ${P.agents}, rates ${P.rates.join('/')} msg/s × ${P.seconds} s, concurrency ${P.concurrency.join('/')} × ${P.ingestSeconds} s · database ${new URL(PG_ADMIN_URL).host}`,
  );
  const only = process.env.BENCH_ONLY; // 'ingest' or 'routing' to run one half
  const { rtt } = only === 'routing' ? { rtt: await bullRoundTripOnly() } : await ingestPhase();
  if (only !== 'ingest') await routingPhase(rtt);
  console.log(`\ndone in ${((performance.now() - t) / 1000).toFixed(0)} s${unhandled ? ` · ${unhandled} unhandled rejections` : ''}`);
}

void main()
  .then(
    () => 0,
    (err) => {
      console.error(err);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code || (unhandled ? 1 : 0));
  });
