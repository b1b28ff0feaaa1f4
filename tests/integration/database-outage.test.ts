import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { io as connect } from 'socket.io-client';
import { buildApp } from '../../server/src/app.js';
import { createPool, withTransaction } from '../../server/src/db/pool.js';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { PG_ADMIN_URL } from '../helpers/env.js';
import { backoffMs, refusalKind, retryTransientRefusals } from '../../agent-ui/src/realtime/reconnect.js';

// The app talks to Postgres through a proxy the test can take away: connections cut mid-transaction
// (what a restart does to its clients), then refused while "stopped", then back.
let db: TestDb;
let proxy: TcpProxy;
let pool: pg.Pool;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  db = await freshDatabase();
  const pgUrl = new URL(PG_ADMIN_URL);
  proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  pool = createPool(viaProxy.toString(), 5);
  app = await buildApp({ config: testConfig(db.url), db: pool, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await proxy?.up().catch(() => {});
  await app?.close();
  await pool?.end().catch(() => {});
  await proxy?.close();
  await db?.drop();
});

const inbound = (id: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/inbound',
    headers: { 'x-api-key': 'test-inbound-key-0123456789' },
    payload: { providerMessageId: id, from: { kind: 'email', value: 'outage@example.test' }, text: 'hello' },
  });

function handshake(token: string): Promise<{ ok: true } | { ok: false; message: string; data: unknown }> {
  const s = connect(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve) => {
    s.on('connect', () => {
      s.disconnect();
      resolve({ ok: true });
    });
    s.on('connect_error', (e: Error & { data?: unknown }) => {
      s.disconnect();
      resolve({ ok: false, message: e.message, data: e.data });
    });
  });
}

describe('Postgres going away and coming back', () => {
  it('a connection cut in the middle of a transaction fails that transaction only; the process and the pool carry on', async () => {
    const tx = withTransaction(pool, async (c) => {
      await c.query('SELECT 1');
      proxy.cut();
      await c.query('SELECT pg_sleep(0.2)');
    });
    await expect(tx).rejects.toThrow();
    // an unhandled 'error' event on the checked-out client would have failed this run as an uncaught exception
    expect((await pool.query('SELECT 2 AS n')).rows[0].n).toBe(2);
  });

  it('while the database is stopped the API answers 503 with Retry-After and sockets are refused as retryable; both recover alone', async () => {
    const agent = await makeAgent(db.pool);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } });
    const token = login.json().token as string;

    await proxy.down();
    const r = await inbound('outage-1');
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    expect(r.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminated/);
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(503);

    const refused = await handshake(token);
    expect(refused).toMatchObject({ ok: false, message: 'unavailable', data: { retryable: true } });
    expect(JSON.stringify(refused)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);

    await proxy.up();
    const ok = await waitFor(async () => {
      const x = await inbound('outage-1');
      return x.statusCode < 300 ? x : null;
    }, 10_000, 'inbound accepted again');
    expect(ok.json().duplicate).toBe(false);
    expect(await handshake(token)).toEqual({ ok: true });
    // still refused for a bad token: "not authorised" is not confused with "try again"
    expect(await handshake('not-a-token')).toMatchObject({ ok: false, message: 'unauthorized' });
  });

  it("the agent UI's socket keeps retrying a refused handshake while the database is away and connects by itself when it returns", async () => {
    const agent = await makeAgent(db.pool);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } });
    const token = login.json().token as string;
    await proxy.down();
    const s = connect(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnectionDelay: 100 });
    let refusals = 0;
    let fatal: string | null = null;
    s.on('connect_error', () => refusals++);
    const stop = retryTransientRefusals(s, (k) => (fatal = k));
    try {
      await waitFor(async () => refusals >= 2, 10_000, 'two refused handshakes');
      expect(s.connected).toBe(false);
      await proxy.up();
      await waitFor(async () => s.connected, 15_000, 'socket connected after the database returned');
      expect(fatal).toBeNull();
    } finally {
      stop();
      s.disconnect();
    }
  });
});

describe('agent UI refusal handling', () => {
  it('tells "not authorised" from "try again" and backs off', () => {
    expect(refusalKind({ message: 'unauthorized' })).toBe('unauthorized');
    expect(refusalKind({ message: 'forbidden' })).toBe('forbidden');
    expect(refusalKind({ message: 'unavailable', data: { retryable: true } })).toBe('transient');
    expect(backoffMs(0, undefined, () => 0)).toBe(250);
    expect(backoffMs(10, undefined, () => 1)).toBe(15_000);
    expect(backoffMs(0, 2000, () => 0)).toBe(2000);
  });
});
