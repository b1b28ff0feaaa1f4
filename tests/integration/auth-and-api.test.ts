import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ LOGIN_RATE_LIMIT_MAX: '5', METRICS_TOKEN: 'metrics-token-0123456789' });
});
afterAll(() => ctx.close());

const login = (email: string, password: string) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

describe('auth and roles', () => {
  it('signs in with the right password, sets an HTTP-only cookie and a bearer token that both work', async () => {
    const a = await makeAgent(ctx.db.pool, { email: 'anna@example.test' });
    const r = await login('Anna@Example.test', a.password);
    expect(r.statusCode).toBe(200);
    expect(r.json().agent).toMatchObject({ email: 'anna@example.test', role: 'agent' });
    expect(r.json().agent.password_hash).toBeUndefined();
    const cookie = r.cookies.find((c) => c.name === 'ch_session')!;
    expect(cookie.httpOnly).toBe(true);
    const me1 = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', cookies: { ch_session: cookie.value } });
    expect(me1.json().email).toBe('anna@example.test');
    const me2 = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${r.json().token}` } });
    expect(me2.statusCode).toBe(200);
    const audit = await ctx.db.pool.query(`SELECT action FROM audit_log WHERE entity = 'agent' AND entity_id = $1`, [String(a.id)]);
    expect(audit.rows.map((x) => x.action)).toContain('login');
  });

  it('rejects a wrong password and an unknown email with the same message', async () => {
    await makeAgent(ctx.db.pool, { email: 'ben@example.test' });
    const wrong = await login('ben@example.test', 'not the password');
    const unknown = await login('nobody@example.test', 'whatever');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().message).toBe(unknown.json().message);
  });

  it('rate-limits repeated login attempts', async () => {
    await makeAgent(ctx.db.pool, { email: 'cara@example.test' });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await login('cara@example.test', 'guess' + i)).statusCode);
    expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
    expect(codes.slice(5)).toEqual([429, 429]);
  });

  it('logout ends the session', async () => {
    const a = await makeAgent(ctx.db.pool, { email: 'dan@example.test' });
    const token = (await login(a.email, a.password)).json().token;
    await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${token}` } });
    const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(401);
  });

  it('denies admin routes to agents and allows them to admins, auditing the change', async () => {
    const agent = await makeAgent(ctx.db.pool, { email: 'eve@example.test' });
    const admin = await makeAgent(ctx.db.pool, { email: 'root@example.test', role: 'admin' });
    const agentToken = (await login(agent.email, agent.password)).json().token;
    const adminToken = (await login(admin.email, admin.password)).json().token;
    const body = { name: 'vip-support', requiredSkills: ['vip'], channels: ['voice', 'chat'] };
    const denied = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/queues', headers: { authorization: `Bearer ${agentToken}` }, payload: body });
    expect(denied.statusCode).toBe(403);
    const anon = await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/agents' });
    expect(anon.statusCode).toBe(401);
    const ok = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/queues', headers: { authorization: `Bearer ${adminToken}` }, payload: body });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ name: 'vip-support', requiredSkills: ['vip'], channels: ['voice', 'chat'] });
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/admin/agents',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { email: 'new@example.test', name: 'New Agent', password: 'long enough password', skills: ['vip'], capacity: { chat: 2 }, queueIds: [ok.json().id] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().capacity).toEqual({ chat: 2 });
    const audit = await ctx.db.pool.query(`SELECT entity, action, actor_id, after FROM audit_log WHERE action = 'create' ORDER BY id`);
    expect(audit.rows.map((r) => r.entity)).toEqual(['queue', 'agent']);
    expect(audit.rows[1].actor_id).toBe(admin.id);
    expect(JSON.stringify(audit.rows[1].after)).not.toMatch(/argon2/);
  });
});

describe('generic inbound API and input validation', () => {
  const key = 'test-inbound-key-0123456789';

  it('creates a case from a pushed message and answers a replay with 200 and the same ids', async () => {
    await makeQueue(ctx.db.pool, { name: 'support', isDefault: true });
    const payload = { providerMessageId: 'crm-1', from: { kind: 'email', value: 'Zoe@Example.test', name: 'Zoe' }, subject: 'Order 42', text: 'Where is my order?', queue: 'support', priority: 'high' };
    const r1 = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key }, payload });
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toMatchObject({ newCase: true, duplicate: false, queued: true });
    const r2 = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key }, payload });
    expect(r2.statusCode).toBe(200);
    expect(r2.json()).toMatchObject({ duplicate: true, interactionId: r1.json().interactionId });
    const c = await ctx.db.pool.query(`SELECT priority, subject FROM cases WHERE id = $1`, [r1.json().caseId]);
    expect(c.rows[0]).toEqual({ priority: 'high', subject: 'Order 42' });
  });

  it('requires a valid API key', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': 'wrong' }, payload: {} });
    expect(r.statusCode).toBe(401);
  });

  it('answers bad input with 400 naming the field and the reason, writing nothing', async () => {
    const before = (await ctx.db.pool.query(`SELECT count(*)::int n FROM raw_events`)).rows[0].n;
    const missing = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key }, payload: { from: { kind: 'phone', value: '+15551234567' }, text: 'x' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().details).toContainEqual(expect.objectContaining({ field: expect.stringContaining('providerMessageId') }));
    const badEnum = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key }, payload: { providerMessageId: 'a', from: { kind: 'pigeon', value: 'x' }, text: 'x' } });
    expect(badEnum.statusCode).toBe(400);
    expect(badEnum.json().message).toMatch(/from\.kind/);
    const badPhone = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key }, payload: { providerMessageId: 'b', from: { kind: 'phone', value: 'call me' }, text: 'x' } });
    expect(badPhone.statusCode).toBe(400);
    expect(badPhone.json().message).toMatch(/not a valid phone number/);
    const badQueue = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key }, payload: { providerMessageId: 'c', from: { kind: 'phone', value: '+15551234567' }, text: 'x', queue: 'nope' } });
    expect(badQueue.statusCode).toBe(400);
    const notJson = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': key, 'content-type': 'application/json' }, payload: '{"broken' });
    expect(notJson.statusCode).toBe(400);
    expect((await ctx.db.pool.query(`SELECT count(*)::int n FROM raw_events`)).rows[0].n).toBe(before);
  });

  it('serves the OpenAPI document with every route described', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const paths = Object.keys(r.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/inbound', '/api/v1/auth/login', '/api/v1/admin/queues', '/readyz']));
  });
});

describe('health', () => {
  it('is ready with Postgres, Redis and current migrations', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json().checks).toMatchObject({ postgres: { ok: true }, redis: { ok: true }, migrations: { ok: true } });
    const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ctx.config.metricsToken}` } });
    expect(metrics.body).toMatch(/contacthub_http_request_duration_seconds/);
  });
});
