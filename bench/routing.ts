// Ingest → offer latency: a message posted to the inbound API until the offer reaches an agent's
// socket, at a steady arrival rate with 200 agents connected. Deployed as in production: the server
// and the router are processes of their own; this process plays the provider and the agents.
// Baseline, measured in the same run on the same Redis: a bare BullMQ add → process round trip.
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { io as connect, type Socket } from 'socket.io-client';
import { createPool } from '../server/src/db/pool.js';
import { createSession } from '../server/src/auth/sessions.js';
import { changeCaseStatus } from '../server/src/lifecycle/status.js';
import { createQueues } from '../server/src/lib/queues.js';
import type { RoutingDeps } from '../server/src/lifecycle/deps.js';
import type { OfferPayload } from '../server/src/contracts/realtime.js';
import { benchDatabase, fmt, percentile, REDIS_URL } from './lib.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 10); // arrivals per second
const COUNT = Number(process.env.BENCH_COUNT ?? 300);
const API_KEY = 'bench-inbound-key-0123456789';

async function steady(count: number, rate: number, fn: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fn(i));
  }
  await Promise.all(pending);
}

async function baseline(prefix: string): Promise<number[]> {
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const wconn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-baseline', { connection: conn, prefix });
  const lat: number[] = [];
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = new Worker(
    'bench-baseline',
    async (job) => {
      lat.push(performance.now() - job.data.t);
      if (++done === COUNT) resolveAll();
    },
    { connection: wconn, prefix, concurrency: 10 },
  );
  await worker.waitUntilReady();
  await steady(COUNT, RATE, async (i) => {
    await queue.add('ping', { t: performance.now(), i }, { removeOnComplete: true });
  });
  await all;
  await worker.close();
  await queue.close();
  conn.disconnect();
  wconn.disconnect();
  return lat.sort((a, b) => a - b);
}

function child(script: string, env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  c.on('exit', (code, sig) => {
    if (code && code !== 0) console.error(`${script} exited with ${code ?? sig}`);
  });
  return c;
}

async function main() {
  const bdb = await benchDatabase();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = {
    NODE_ENV: 'production',
    ENCRYPTION_KEY: 'a'.repeat(64),
    DATABASE_URL: bdb.url,
    REDIS_URL,
    QUEUE_PREFIX: bdb.prefix,
    INBOUND_API_KEY: API_KEY,
    LOG_LEVEL: 'warn',
    UI_DIST_DIR: '/nonexistent',
    STORAGE_DIR: `/tmp/${bdb.prefix}`,
    ROUTING_SWEEP_MS: '600000',
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const server = child('server/src/server.ts', env);
  const router = child('workers/src/router-cli.ts', env);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const db = createPool(bdb.url, 10);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const queues = createQueues(redis, bdb.prefix);
  const deps: RoutingDeps = { db, queues };
  const sockets: Socket[] = [];
  try {
    const q = await db.query(`INSERT INTO queues (name, is_default) VALUES ('bench', true) RETURNING id`);
    const agents = await db.query(
      `INSERT INTO agents (email, name, password_hash, capacity)
       SELECT 'bench' || g || '@example.test', 'Bench ' || g, 'x', '{"chat":3,"email":5,"sms":5,"voice":1,"api":5,"portal":5}'
         FROM generate_series(1, $1) g RETURNING id`,
      [AGENTS],
    );
    await db.query(`INSERT INTO queue_members (queue_id, agent_id) SELECT $1, id FROM agents`, [q.rows[0].id]);

    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const httpLat: number[] = [];
    let offered = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    for (const a of agents.rows) {
      const { token } = await createSession(db, a.id, 1);
      const s = connect(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      s.on('offer', (o: OfferPayload) => {
        const t = sent.get(o.case.subject);
        if (t !== undefined) {
          sent.delete(o.case.subject);
          latencies.push(performance.now() - t);
          if (++offered === COUNT) resolveAll();
        }
        // answer like an agent: take it, finish a little later
        void s.timeout(5000).emitWithAck('offer:accept', { offerId: o.offerId }).then((r: { ok: boolean; caseId: number }) => {
          if (r.ok) setTimeout(() => void changeCaseStatus(deps, { caseId: r.caseId, status: 'solved', agentId: a.id }).catch(() => {}), 300);
        }).catch(() => {});
      });
      await s.timeout(5000).emitWithAck('presence:set', { presence: 'available' });
    }
    await new Promise((r) => setTimeout(r, 1000));

    // warm-up outside the measurement
    for (let i = 0; i < 10; i++) {
      await fetch(`${base}/api/v1/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify({ channel: 'chat', providerMessageId: `warm-${i}`, from: { kind: 'api', value: `warm-${i}` }, subject: `warm-${i}`, text: 'hi' }),
      });
    }
    await new Promise((r) => setTimeout(r, 1000));

    const t0 = performance.now();
    await steady(COUNT, RATE, async (i) => {
      const subject = `bench-${i}`;
      const t = performance.now();
      sent.set(subject, t);
      const r = await fetch(`${base}/api/v1/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
        body: JSON.stringify({ channel: 'chat', providerMessageId: `m-${i}`, from: { kind: 'api', value: `customer-${i}` }, subject, text: 'hello' }),
      });
      if (r.status !== 201 && r.status !== 200) throw new Error(`inbound answered ${r.status}: ${await r.text()}`);
      httpLat.push(performance.now() - t);
    });
    await Promise.race([all, new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${offered}/${COUNT} offers arrived`)), 60_000))]);
    const wall = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);

    const base0 = await baseline(bdb.prefix);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const b50 = percentile(base0, 50);
    const b99 = percentile(base0, 99);
    console.log(`routing: ingest → offer, ${COUNT} chats at ${RATE}/s over ${wall.toFixed(1)} s, ${AGENTS} agents connected`);
    console.log(`  ingest→offer        p50 ${fmt(p50)}   p99 ${fmt(p99)}   max ${fmt(latencies.at(-1)!)}`);
    httpLat.sort((a, b) => a - b);
    console.log(`  of which the inbound webhook answering (committed + enqueued)   p50 ${fmt(percentile(httpLat, 50))}   p99 ${fmt(percentile(httpLat, 99))}`);
    console.log(`  baseline BullMQ add→process (same run, same rate)   p50 ${fmt(b50)}   p99 ${fmt(b99)}`);
    console.log(`  ratio to baseline   p50 ×${(p50 / b50).toFixed(1)}   p99 ×${(p99 / b99).toFixed(1)}`);
  } finally {
    sockets.forEach((s) => s.disconnect());
    const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
    router.kill('SIGTERM');
    server.kill('SIGTERM');
    await Promise.race([Promise.all([exited(router), exited(server)]), new Promise((r) => setTimeout(r, 12_000))]);
    await queues.closeAll().catch(() => {});
    redis.disconnect();
    await db.end();
    await bdb.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
