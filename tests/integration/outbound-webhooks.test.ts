import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';
import { automationDeps } from '../helpers/hub-workers.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';
import { startAutomationWorker } from '../../workers/src/processors/automation.js';
import { attemptDelivery, boxSecret, GiveUp, requeueDueDeliveries, RetryLater } from '../../server/src/automation/webhooks.js';
import { rateCase } from '../../server/src/channels/portal/csat.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';

// Outbound webhooks end to end: an admin subscribes a receiver on 127.0.0.1 (allowed here by
// WEBHOOK_ALLOW_PRIVATE_TARGETS), the automation worker turns case events into signed deliveries, a failing
// receiver is retried with backoff and the log shows every response code; private targets are refused by default.

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let ctx: TestContext;
let stopWorker: () => Promise<void>;
let receiver: http.Server;
let port: number;
const received: Received[] = [];
/** answers per path: a list of status codes used in turn (the last one repeats) */
const answers: Record<string, number[]> = { '/ok': [200], '/flaky': [500, 503, 204] };
let admin: string;

const KEY = 'test-inbound-key-0123456789';
const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, token = admin) =>
  ctx.app.inject({ method, url: `/api/v1/admin${url}`, headers: { authorization: `Bearer ${token}` }, payload });

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body });
      const list = answers[req.url!] ?? [404];
      res.writeHead(list.length > 1 ? list.shift()! : list[0]!).end('thanks');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  port = (receiver.address() as AddressInfo).port;

  ctx = await createTestContext({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_BASE_MS: '150', AUTOMATION_POLL_MS: '50' });
  await makeQueue(ctx.db.pool, { name: 'support', isDefault: true });
  const a = await makeAgent(ctx.db.pool, { role: 'admin' });
  admin = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token;
  const connection = createRedis(REDIS_URL, 'worker');
  const stop = await startAutomationWorker({
    ...automationDeps(ctx),
    config: ctx.config,
    connection,
    prefix: ctx.config.queuePrefix,
  });
  stopWorker = async () => {
    await stop();
    connection.disconnect();
  };
});
afterAll(async () => {
  await stopWorker?.();
  await ctx?.close();
  receiver?.close();
});

const sign = (secret: string, timestamp: string, body: string) => `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

describe('outbound webhooks', () => {
  it('delivers signed case.created and interaction.created events to a subscribed receiver', async () => {
    const sub = await api('POST', '/webhooks', { name: 'CRM', url: `http://127.0.0.1:${port}/ok`, events: ['case.created', 'interaction.created'], enabled: true });
    expect(sub.statusCode, sub.body).toBe(201);
    const secret: string = sub.json().secret;
    expect(secret).toMatch(/^whsec_[0-9a-f]{48}$/);
    // the secret is shown once
    expect((await api('GET', '/webhooks')).json()[0].secret).toBeUndefined();

    const r = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'email', providerMessageId: 'wh-1', from: { kind: 'email', value: 'nina@example.com', name: 'Nina' }, subject: 'Broken router', text: 'it blinks red' },
    });
    const caseId = r.json().caseId;
    const got = await waitFor(async () => received.find((x) => x.path === '/ok' && x.headers['x-contacthub-event'] === 'case.created'), 10_000, 'case.created delivery');
    const ts = got.headers['x-contacthub-timestamp'] as string;
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    // the receiver's check: HMAC-SHA256 with the secret over "<timestamp>.<raw body>"
    expect(got.headers['x-contacthub-signature']).toBe(sign(secret, ts, got.body));
    expect(got.headers['x-contacthub-signature']).not.toBe(sign('whsec_wrong', ts, got.body));
    expect(got.headers['content-type']).toBe('application/json');
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ event: 'case.created', data: { case: { id: caseId, subject: 'Broken router', channel: 'email', customer: { name: 'Nina' } } } });
    expect(got.headers['x-contacthub-delivery']).toMatch(/^\d+$/);

    // a second message on the case is an interaction.created
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'email', providerMessageId: 'wh-2', from: { kind: 'email', value: 'nina@example.com' }, text: 'still red', caseId },
    });
    const msg = await waitFor(async () => received.find((x) => x.headers['x-contacthub-event'] === 'interaction.created'), 10_000, 'interaction.created delivery');
    expect(JSON.parse(msg.body).data.interaction).toMatchObject({ direction: 'inbound', text: 'still red' });
    expect(msg.headers['x-contacthub-signature']).toBe(sign(secret, msg.headers['x-contacthub-timestamp'] as string, msg.body));
    // exactly one delivery per event, though the worker's inbox is at-least-once
    expect(received.filter((x) => x.headers['x-contacthub-event'] === 'case.created')).toHaveLength(1);
  });

  it('tells about solved cases and CSAT ratings', async () => {
    const sub = await api('POST', '/webhooks', { name: 'Quality', url: `http://127.0.0.1:${port}/ok`, events: ['case.solved', 'csat.received'], enabled: true });
    expect(sub.statusCode).toBe(201);
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'email', providerMessageId: 'wh-csat', from: { kind: 'email', value: 'rita@example.com' }, text: 'help' },
    });
    const { caseId, customerId } = r.json();
    await changeCaseStatus(ctx.app.routingDeps, { caseId, status: 'solved', agentId: null, resolutionNote: 'done' });
    await rateCase(ctx.db.pool, { caseId, customerId, rating: 5, comment: 'great', source: 'portal' });
    const solved = await waitFor(async () => received.find((x) => x.headers['x-contacthub-event'] === 'case.solved'), 10_000, 'case.solved');
    expect(JSON.parse(solved.body).data.case).toMatchObject({ id: caseId, status: 'solved' });
    const csat = await waitFor(async () => received.find((x) => x.headers['x-contacthub-event'] === 'csat.received'), 10_000, 'csat.received');
    expect(JSON.parse(csat.body).data.csat).toEqual({ rating: 5, satisfied: true, comment: 'great', source: 'portal' });
  });

  it('a rule running in the worker calls a webhook: rule.triggered, signed like the rest', async () => {
    const sub = await api('POST', '/webhooks', { name: 'Rule target', url: `http://127.0.0.1:${port}/ok`, events: [], enabled: true });
    const rule = await api('POST', '/automation-rules', {
      name: 'Tell the CRM about portal requests',
      enabled: true,
      trigger: { on: 'case_created' },
      conditions: { channels: ['portal'] },
      actions: [{ type: 'call_webhook', webhookId: sub.json().id }],
      stopProcessing: false,
    });
    expect(rule.statusCode, rule.body).toBe(201);
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'portal', providerMessageId: 'wh-rule', from: { kind: 'email', value: 'vip@example.com', name: 'Vera' }, subject: 'Portal request', text: 'hello' },
    });
    const got = await waitFor(async () => received.find((x) => x.headers['x-contacthub-event'] === 'rule.triggered'), 10_000, 'rule.triggered');
    expect(JSON.parse(got.body).data).toMatchObject({ rule: { name: 'Tell the CRM about portal requests' }, case: { subject: 'Portal request', channel: 'portal' } });
    expect(got.headers['x-contacthub-signature']).toBe(sign(sub.json().secret, got.headers['x-contacthub-timestamp'] as string, got.body));
    await api('DELETE', `/automation-rules/${rule.json().id}`);

    // the API refuses what the schema cannot: a rule naming a queue or webhook that does not exist
    const bad = await api('POST', '/automation-rules', {
      name: 'Broken',
      enabled: true,
      trigger: { on: 'case_created' },
      conditions: {},
      actions: [{ type: 'set_queue', queueId: 999999 }, { type: 'call_webhook', webhookId: 999999 }],
      stopProcessing: false,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([
      { field: 'actions.0.queueId', reason: 'no queue 999999' },
      { field: 'actions.1.webhookId', reason: 'no webhook 999999' },
    ]);
  });

  it('retries a failing receiver with backoff; the log shows each response code and can replay', async () => {
    const sub = await api('POST', '/webhooks', { name: 'Flaky', url: `http://127.0.0.1:${port}/flaky`, events: ['case.created'], enabled: true });
    const id = sub.json().id;
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'sms', providerMessageId: 'wh-3', from: { kind: 'phone', value: '+14155550123' }, text: 'hello' },
    });
    const log = await waitFor(
      async () => {
        const d = (await api('GET', `/webhooks/${id}/deliveries`)).json();
        return d[0]?.status === 'succeeded' ? d : null;
      },
      15_000,
      'the flaky delivery to succeed',
    );
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ event: 'case.created', status: 'succeeded', attempts: 3, lastStatusCode: 204, lastError: null });
    expect(log[0].attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 503, 204]);
    expect(log[0].attemptLog[0].error).toBe('HTTP 500');
    // the waits grow: the second retry came at least twice the base after the first
    const at = log[0].attemptLog.map((a: { at: string }) => new Date(a.at).getTime());
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(140);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(290);

    const before = received.filter((x) => x.path === '/flaky').length;
    const replay = await api('POST', `/webhooks/deliveries/${log[0].id}/replay`);
    expect(replay.statusCode).toBe(202);
    await waitFor(async () => received.filter((x) => x.path === '/flaky').length > before, 10_000, 'the replay');
    const again = received.filter((x) => x.path === '/flaky');
    expect(again[again.length - 1]!.body).toBe(again[0]!.body);
    const after = (await api('GET', `/webhooks/${id}/deliveries`)).json();
    expect(after[0]).toMatchObject({ replayOf: log[0].id });
  });

  it('a delivery whose job Redis lost is queued again from Postgres and delivered', async () => {
    const e = await ctx.db.pool.query(
      `INSERT INTO webhook_endpoints (name, url, secret_box, events) VALUES ('Lost', $1, $2, '{}') RETURNING id`,
      [`http://127.0.0.1:${port}/ok`, boxSecret(ctx.config.encryptionKey, 'whsec_lost')],
    );
    // as after a Redis flush: the row says "retry due", no job exists
    const d = await ctx.db.pool.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event, payload, status, attempts, next_attempt_at) VALUES ($1, 'ping', '{"event":"ping","lost":true}', 'retrying', 1, now() - interval '5 minutes') RETURNING id`,
      [e.rows[0].id],
    );
    expect(await requeueDueDeliveries(ctx.db.pool, ctx.app.queues.webhooks, 60_000)).toBeGreaterThanOrEqual(1);
    const got = await waitFor(async () => received.find((x) => x.headers['x-contacthub-delivery'] === String(d.rows[0].id)), 10_000, 'the recovered delivery');
    expect(got.headers['x-contacthub-signature']).toBe(sign('whsec_lost', got.headers['x-contacthub-timestamp'] as string, got.body));
    await waitFor(async () => (await ctx.db.pool.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [d.rows[0].id])).rows[0].status === 'succeeded', 5000, 'succeeded');
  });

  it('gives up when the retry window is over and marks the delivery failed', async () => {
    const e = await ctx.db.pool.query(
      `INSERT INTO webhook_endpoints (name, url, secret_box, events) VALUES ('Gone', $1, $2, '{}') RETURNING id`,
      [`http://127.0.0.1:${port}/missing`, boxSecret(ctx.config.encryptionKey, 'whsec_x')],
    );
    const d = await ctx.db.pool.query(`INSERT INTO webhook_deliveries (endpoint_id, event, payload, created_at) VALUES ($1, 'ping', '{}', now() - interval '25 hours') RETURNING id`, [e.rows[0].id]);
    await expect(attemptDelivery(ctx.db.pool, { encryptionKey: ctx.config.encryptionKey, ...ctx.config.automation }, d.rows[0].id)).rejects.toBeInstanceOf(GiveUp);
    const row = (await ctx.db.pool.query(`SELECT status, last_status_code FROM webhook_deliveries WHERE id = $1`, [d.rows[0].id])).rows[0];
    expect(row).toEqual({ status: 'failed', last_status_code: 404 });
  });
});

describe('SSRF guard (private targets not allowed: the default)', () => {
  let strict: TestContext;
  let token: string;
  beforeAll(async () => {
    strict = await createTestContext();
    const a = await makeAgent(strict.db.pool, { role: 'admin' });
    token = (await strict.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token;
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('refuses loopback, private and link-local targets, by address and by a name that resolves to one', async () => {
    for (const url of [
      `http://127.0.0.1:${port}/ok`,
      `http://localhost:${port}/ok`,
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://10.1.2.3/hook',
      'http://192.168.0.10/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://0.0.0.0/hook',
    ]) {
      const r = await strict.app.inject({ method: 'POST', url: '/api/v1/admin/webhooks', headers: { authorization: `Bearer ${token}` }, payload: { name: 'x', url, events: ['case.created'], enabled: true } });
      expect(r.statusCode, url).toBe(422);
      expect(r.json().message, url).toMatch(/loopback or private address/);
    }
    const ftp = await strict.app.inject({ method: 'POST', url: '/api/v1/admin/webhooks', headers: { authorization: `Bearer ${token}` }, payload: { name: 'x', url: 'ftp://example.com/x', events: [], enabled: true } });
    expect(ftp.statusCode).toBe(422);
    expect((await strict.db.pool.query(`SELECT count(*)::int AS n FROM webhook_endpoints`)).rows[0].n).toBe(0);
  });

  it('checks again at send time: a stored URL whose name now resolves to loopback gets nothing', async () => {
    const before = received.length;
    const e = await strict.db.pool.query(
      `INSERT INTO webhook_endpoints (name, url, secret_box, events) VALUES ('Rebound', $1, $2, '{}') RETURNING id`,
      [`http://localhost:${port}/ok`, boxSecret(strict.config.encryptionKey, 'whsec_x')],
    );
    const d = await strict.db.pool.query(`INSERT INTO webhook_deliveries (endpoint_id, event, payload) VALUES ($1, 'ping', '{}') RETURNING id`, [e.rows[0].id]);
    await expect(attemptDelivery(strict.db.pool, { encryptionKey: strict.config.encryptionKey, ...strict.config.automation }, d.rows[0].id)).rejects.toBeInstanceOf(RetryLater);
    const row = (await strict.db.pool.query(`SELECT status, last_error FROM webhook_deliveries WHERE id = $1`, [d.rows[0].id])).rows[0];
    expect(row.status).toBe('retrying');
    expect(row.last_error).toMatch(/localhost is (127\.0\.0\.1|::1), a loopback or private address/);
    expect(received.length).toBe(before);
  });
});
