import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestContext, freshDatabase, testConfig, type TestContext, type TestDb } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { buildApp } from '../../server/src/app.js';

// One hub behind a proxy at 10.0.0.5 (TRUST_PROXY=10.0.0.0/8); 127.0.0.1 is an ordinary client.
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ TRUST_PROXY: '10.0.0.0/8', LOGIN_RATE_LIMIT_MAX: '3' });
});
afterAll(() => ctx.close());

const login = (app: FastifyInstance, email: string, password: string, from: { peer?: string; xff?: string } = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: from.peer ?? '127.0.0.1',
    headers: from.xff ? { 'x-forwarded-for': from.xff } : {},
    payload: { email, password },
  });
const auditIps = async (email: string) =>
  (await ctx.db.pool.query(`SELECT ip FROM audit_log WHERE action LIKE 'login%' AND after->>'email' = $1 ORDER BY id`, [email])).rows.map((r) => r.ip);

describe('client IP: X-Forwarded-For only from a configured proxy', () => {
  it('a spoofed X-Forwarded-For from an untrusted peer neither resets the per-IP limit nor reaches the audit log', async () => {
    const codes: number[] = [];
    for (let i = 1; i <= 4; i++) codes.push((await login(ctx.app, 'spoof@example.test', 'guess', { xff: `203.0.113.${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    expect(await auditIps('spoof@example.test')).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('from a trusted proxy the forwarded client address counts: its own limits and the audit log', async () => {
    const codes: number[] = [];
    for (let i = 1; i <= 4; i++) codes.push((await login(ctx.app, 'proxied@example.test', 'guess', { peer: '10.0.0.5', xff: `198.51.100.${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 401]);
    expect(await auditIps('proxied@example.test')).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']);
    // the same forwarded client trying again is limited like a direct one
    for (let i = 0; i < 2; i++) await login(ctx.app, 'proxied2@example.test', 'guess', { peer: '10.0.0.5', xff: '198.51.100.77' });
    expect((await login(ctx.app, 'proxied2@example.test', 'guess', { peer: '10.0.0.5', xff: '198.51.100.77' })).statusCode).toBe(401);
    expect((await login(ctx.app, 'proxied2@example.test', 'guess', { peer: '10.0.0.5', xff: '198.51.100.77' })).statusCode).toBe(429);
  });
});

describe('failed sign-ins per account, whatever the IP', () => {
  it('five failures from five addresses lock the account: 429 with Retry-After and the reason, even with the right password', async () => {
    const a = await makeAgent(ctx.db.pool, { email: 'target@example.test' });
    for (let i = 1; i <= 5; i++) expect((await login(ctx.app, a.email, `guess-${i}`, { peer: '10.0.0.5', xff: `192.0.2.${i}` })).statusCode).toBe(401);
    const r = await login(ctx.app, a.email, a.password, { peer: '10.0.0.5', xff: '192.0.2.99' });
    expect(r.statusCode).toBe(429);
    expect(r.json()).toMatchObject({ reason: 'account_locked', message: expect.stringMatching(/locked after too many failed sign-ins; try again in 15 minutes/) });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(800);
    expect(r.json().retryAfterSeconds).toBe(Number(r.headers['retry-after']));
    const actions = (await ctx.db.pool.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [String(a.id)])).rows.map((x) => x.action);
    expect(actions.at(-1)).toBe('login_locked');
    // other accounts are not affected
    const b = await makeAgent(ctx.db.pool, { email: 'bystander@example.test' });
    expect((await login(ctx.app, b.email, b.password, { peer: '10.0.0.5', xff: '192.0.2.1' })).statusCode).toBe(200);
  });

  it('a successful sign-in clears the failure count', async () => {
    const a = await makeAgent(ctx.db.pool, { email: 'typo@example.test' });
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i <= 4; i++) await login(ctx.app, a.email, 'typo', { peer: '10.0.0.5', xff: `192.0.2.${10 * round + i}` });
      expect((await login(ctx.app, a.email, a.password, { peer: '10.0.0.5', xff: '192.0.2.200' })).statusCode).toBe(200);
    }
  });
});

describe('with Redis down the sign-in limits still hold (counted in the process)', () => {
  let db: TestDb;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await freshDatabase();
    app = await buildApp({ config: testConfig(db.url, { REDIS_URL: 'redis://127.0.0.1:1', LOGIN_RATE_LIMIT_MAX: '3', TRUST_PROXY: '10.0.0.0/8' }), logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('per IP and per account', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await login(app, 'down@example.test', 'guess')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const a = await makeAgent(db.pool, { email: 'down-acct@example.test' });
    for (let i = 1; i <= 5; i++) await login(app, a.email, 'guess', { peer: '10.0.0.5', xff: `192.0.2.${i}` });
    const r = await login(app, a.email, a.password, { peer: '10.0.0.5', xff: '192.0.2.50' });
    expect(r.statusCode).toBe(429);
    expect(r.json().reason).toBe('account_locked');
  });
});
