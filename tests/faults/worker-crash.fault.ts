import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/src/app.js';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { hubEnv, spawnHubProcess } from '../helpers/hub-process.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, postTwilio, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { waitFor } from '../helpers/wait.js';

// A worker process killed with SIGKILL in the middle of delivering replies, then Redis restarted
// empty (every queued job lost): each reply must reach the Twilio stand-in exactly once.
const REPLIES = 30;
const OUR_NUMBER = '+14155550100';
let db: TestDb;
let redis: PrivateRedis;
let api: TwilioApiServer;
let app: FastifyInstance;
let env: Record<string, string>;
let storage: string;
const workers: ChildProcess[] = [];
let exits = 0;

function startWorker(): ChildProcess {
  const w = spawnHubProcess('workers/src/index.ts', env, () => exits++);
  workers.push(w);
  return w;
}

beforeAll(async () => {
  db = await freshDatabase();
  redis = await startPrivateRedis();
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  storage = await mkdtemp(path.join(os.tmpdir(), 'ch-fault-'));
  const config = testConfig(db.url, { ...twilioEnv(api.url), REDIS_URL: redis.url }, storage);
  env = hubEnv({ databaseUrl: db.url, redisUrl: redis.url, queuePrefix: config.queuePrefix, storageDir: storage }, {
    RECOVERY_SWEEP_MS: '500',
    OUTBOUND_SWEEP_AFTER_MS: '1000',
    OUTBOUND_ATTEMPT_LEASE_MS: '2000',
    ...twilioEnv(api.url),
  });
  app = await buildApp({ config, logger: false });
  await app.ready();
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await app?.close().catch(() => {});
  await redis?.stop().catch(() => {});
  await api?.close();
  await db?.drop();
  if (storage) await rm(storage, { recursive: true, force: true });
});

describe('worker killed mid-delivery, Redis restarted empty', () => {
  it('delivers every reply exactly once at the provider', async () => {
    const admin = await makeAgent(db.pool, { role: 'admin' });
    const token = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
    await app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${token}` }, payload: { e164: OUR_NUMBER, friendlyName: 'Support' } });
    const MessageSid = sid('SM');
    await postTwilio(app, '/webhooks/twilio/sms', { MessageSid, AccountSid: TWILIO_TEST.accountSid, From: '+14155550301', To: OUR_NUMBER, Body: 'hi', NumMedia: '0' });
    const caseId = (await db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [MessageSid])).rows[0].case_id;

    // some answers are lost on the way back (Twilio took the message, the worker never heard)
    api.dropAnswers(4);
    const first = startWorker();
    const texts = Array.from({ length: REPLIES }, (_, i) => `reply ${i + 1} of ${REPLIES}`);
    for (const text of texts) {
      const r = await app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text } });
      expect(r.statusCode).toBe(201);
    }
    // kill the worker as soon as deliveries are under way
    await waitFor(async () => api.messages.length >= 3, 30_000, 'deliveries to start');
    first.kill('SIGKILL');
    const atKill = api.messages.length;
    // Redis loses every job
    await redis.stop();
    await redis.start();
    startWorker();

    await waitFor(
      // the replies only: the case's receipt to the customer (a customer notice) is an outbound message too
      async () =>
        Number(
          (await db.pool.query(`SELECT count(*) AS n FROM interactions WHERE case_id = $1 AND direction = 'outbound' AND provider_message_id IS NOT NULL AND text = ANY($2)`, [caseId, texts]))
            .rows[0].n,
        ) === REPLIES,
      80_000,
      'every reply to reach Twilio',
    );
    // a sid is recorded as soon as Twilio answers; the attempt row is finished just after. An attempt whose
    // answer was lost is reconciled by the sweep's next job for it, whose id changes each minute: up to ~1 min.
    await waitFor(
      async () => Number((await db.pool.query(`SELECT count(*) AS n FROM delivery_attempts WHERE outcome = 'pending'`)).rows[0].n) === 0,
      75_000,
      'every attempt to be finished',
    ).catch(() => {});
    const counts = texts.map((t) => api.messages.filter((m) => m.body === t).length);
    const attempts = (await db.pool.query(`SELECT outcome, count(*)::int AS n FROM delivery_attempts GROUP BY outcome ORDER BY outcome`)).rows;
    console.log(
      `[faults] worker kill -9 + empty Redis: replies ${REPLIES}, at Twilio ${api.messages.length} (${atKill} before the kill), ` +
        `duplicated ${counts.filter((c) => c > 1).length}, missing ${counts.filter((c) => c === 0).length}, unexpected exits ${exits}, ` +
        `attempts ${attempts.map((a) => `${a.outcome}=${a.n}`).join(' ')}`,
    );
    expect(counts.every((c) => c === 1)).toBe(true);
    expect(attempts.filter((a) => a.outcome === 'pending')).toEqual([]);
    expect(exits).toBe(0);

    // the restarted worker, Twilio failing twice and then taking the reply: three attempts in its history
    api.failNext(/POST .*\/Messages\.json$/, { status: 500, code: 20500 }, { status: 503, code: 20503 });
    const r = await app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'third time lucky' } });
    expect(r.statusCode).toBe(201);
    const id = r.json().interactionId as number;
    const history = async () =>
      (await db.pool.query(`SELECT outcome, provider_code FROM delivery_attempts WHERE interaction_id = $1 ORDER BY attempt`, [id])).rows as { outcome: string; provider_code: string | null }[];
    await waitFor(async () => (await history()).some((a) => a.outcome === 'accepted'), 60_000, 'the third attempt to succeed').catch(() => {});
    const h = await history();
    const tl = await app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/timeline`, headers: { authorization: `Bearer ${token}` } });
    const shown = tl.json().items.find((x: { id: number }) => x.id === id)?.deliveryAttempts ?? [];
    console.log(
      `[faults] reply failing twice then succeeding: attempts ${h.map((a) => `${a.outcome}${a.provider_code ? `(${a.provider_code})` : ''}`).join(', ')}, ` +
        `in the timeline ${shown.length}, at Twilio ${api.messages.filter((m) => m.body === 'third time lucky').length}`,
    );
    expect(h.map((a) => a.outcome)).toEqual(['failed', 'failed', 'accepted']);
    expect(shown.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'accepted']);
    expect(api.messages.filter((m) => m.body === 'third time lucky')).toHaveLength(1);
  }, 240_000);
});
