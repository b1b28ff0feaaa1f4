// How fast the hub answers Twilio's inbound SMS webhook (signature check, Postgres commit of raw event + customer +
// case + interaction, routing enqueue, empty TwiML), over real HTTP against real Postgres and Redis.
// Prints p50/p99 and the ratio against GET /readyz (one Postgres and one Redis round trip) measured in the same run.
// Usage: npx tsx bench/twilio-webhook.ts [requests=500]   (TEST_DATABASE_URL / TEST_REDIS_URL as for the tests)
import pg from 'pg';
import twilio from 'twilio';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { loadConfig } from '../server/src/config.js';
import { migrate } from '../server/src/db/migrate.js';
import { buildApp } from '../server/src/app.js';

const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.argv[2] ?? 500);
const TOKEN = 'bench-auth-token';
const PUBLIC = 'https://hub.example.test';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function main() {
  const name = `ch_bench_twilio_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  const storage = await mkdtemp(path.join(os.tmpdir(), 'ch-bench-'));
  const prefix = `chb_${randomBytes(3).toString('hex')}`;
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  try {
    await migrate(u.toString());
    const config = loadConfig({
      NODE_ENV: 'test', DATABASE_URL: u.toString(), REDIS_URL: REDIS, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent',
      STORAGE_DIR: storage, UI_DIST_DIR: '/nonexistent', PUBLIC_URL: PUBLIC,
      TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_AUTH_TOKEN: TOKEN,
    });
    app = await buildApp({ config, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const sms = async (i: number) => {
      const params = { MessageSid: 'SM' + randomBytes(16).toString('hex'), From: `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`, To: '+14155550100', Body: `message ${i}`, NumMedia: '0' };
      const sig = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/webhooks/twilio/sms`, params);
      const t = performance.now();
      const r = await fetch(`${base}/webhooks/twilio/sms`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, body: new URLSearchParams(params) });
      await r.text();
      if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
      return performance.now() - t;
    };
    const ready = async () => {
      const t = performance.now();
      const r = await fetch(`${base}/readyz`);
      await r.text();
      return performance.now() - t;
    };
    for (let i = 0; i < 30; i++) {
      await sms(i);
      await ready();
    }
    const hook: number[] = [];
    const base_: number[] = [];
    for (let i = 0; i < N; i++) {
      hook.push(await sms(100 + i));
      base_.push(await ready());
    }
    const p50 = pct(hook, 50), p99 = pct(hook, 99), b50 = pct(base_, 50), b99 = pct(base_, 99);
    console.log(`twilio sms webhook (${N} sequential requests): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
    console.log(`baseline GET /readyz:                        p50 ${b50.toFixed(1)} ms, p99 ${b99.toFixed(1)} ms`);
    console.log(`ratio webhook/baseline: p50 ${(p50 / b50).toFixed(2)}x, p99 ${(p99 / b99).toFixed(2)}x`);
  } finally {
    if (app) await app.close();
    const redis = new Redis(REDIS, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    if (keys.length) await redis.del(...keys).catch(() => 0);
    redis.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await rm(storage, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
