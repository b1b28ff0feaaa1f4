import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { INBOUND_KEY, adminToken } from './email-helpers.js';

/** Input that once reached Postgres and came back as a 500 is refused at the edge with a 4xx that says why. */
let ctx: TestContext;
let admin: string;
let visitor: string;
let caseId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await adminToken(ctx);
  visitor = (await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', payload: {} })).json().token;
  const r = await ctx.app.inject({
    method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': INBOUND_KEY },
    payload: { providerMessageId: 'edge-1', from: { kind: 'email', value: 'edge@example.test' }, text: 'hello' },
  });
  caseId = r.json().caseId;
});
afterAll(async () => {
  await ctx?.close();
});

const asAdmin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${admin}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('ids beyond what the database holds', () => {
  it('an attachment id beyond bigint is a 400 naming the parameter', async () => {
    const r = await ctx.app.inject({ method: 'GET', url: '/widget/api/attachments/99999999999999999999', headers: { 'x-visitor-token': visitor } });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/params\.id/);
  });

  it('every id in the staff API is bounded the same way (params and body)', async () => {
    expect((await asAdmin('GET', '/api/v1/cases/9223372036854775808')).statusCode).toBe(400);
    const t = await asAdmin('POST', `/api/v1/cases/${caseId}/transfer`, { toAgentId: 1e20 });
    expect(t.statusCode).toBe(400);
    expect(t.json().message).toMatch(/toAgentId/);
  });

  it('marking an unknown case read is a 404, not a foreign-key 500', async () => {
    const r = await asAdmin('POST', '/api/v1/cases/987654321/read');
    expect(r.statusCode).toBe(404);
    expect(r.json().message).toBe('case not found');
    expect((await asAdmin('POST', `/api/v1/cases/${caseId}/read`)).statusCode).toBe(200);
  });

  it('a value that gets past the schema but not past Postgres is still a 400', async () => {
    // max_wait_seconds is an int column; the schema allows any positive integer
    const r = await asAdmin('POST', '/api/v1/admin/queues', { name: 'Overflowing', maxWaitSeconds: 1e12 });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/out of range or malformed/);
  });
});

describe('text Postgres cannot store', () => {
  it('a NUL character in a JSON string is refused with the field that carries it', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': visitor }, payload: { text: 'hi\u0000there', clientId: 'n1' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ message: 'body.text: contains a NUL character' });
  });

  it('an unpaired surrogate (valid JSON, invalid UTF-8) is refused too, also in keys and nested values', async () => {
    const raw = (body: string) =>
      ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': INBOUND_KEY, 'content-type': 'application/json' }, payload: body });
    const lone = await raw('{"providerMessageId":"s1","from":{"kind":"email","value":"s@example.test"},"text":"a\\ud800b"}');
    expect(lone.statusCode).toBe(400);
    expect(lone.json().message).toBe('body.text: contains an unpaired UTF-16 surrogate');
    const nested = await raw('{"providerMessageId":"s2","from":{"kind":"email","value":"s@example.test"},"text":"ok","metadata":{"\\udc00":1}}');
    expect(nested.statusCode).toBe(400);
    expect(nested.json().message).toMatch(/body\.metadata key: contains an unpaired/);
    // a proper pair (an emoji) is fine
    expect((await raw('{"providerMessageId":"s3","from":{"kind":"email","value":"s@example.test"},"text":"\\ud83d\\ude00"}')).statusCode).toBe(201);
  });

  it('a NUL in a path parameter or query string is a 400', async () => {
    const kb = await ctx.app.inject({ method: 'GET', url: '/portal/api/kb/%00' });
    expect(kb.statusCode).toBe(400);
    expect(kb.json().message).toBe('params.slug: contains a NUL character');
    expect((await ctx.app.inject({ method: 'GET', url: '/portal/api/kb?q=%00' })).statusCode).toBe(400);
  });

  it('the chat socket answers such text with a reason instead of failing the message', async () => {
    const base = await listenLocally(ctx);
    const s = connect(`${base}/visitor`, { auth: { token: visitor }, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => (s.once('connect', () => resolve()), s.once('connect_error', reject)));
      expect(await s.timeout(5000).emitWithAck('message', { text: 'a\u0000b', clientId: 's1' })).toEqual({ ok: false, reason: 'text contains a NUL character' });
      expect(await s.timeout(5000).emitWithAck('message', { text: 'a\ud800b', clientId: 's2' })).toEqual({ ok: false, reason: 'text contains an unpaired UTF-16 surrogate' });
      expect((await s.timeout(5000).emitWithAck('message', { text: 'سلام', clientId: 's3' })).ok).toBe(true);
    } finally {
      s.disconnect();
    }
  });

  it('every route gets the same check, e.g. the offline-message form', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', payload: { email: 'ann@example.test', text: 'x\u0000' } });
    expect(r.statusCode).toBe(400);
  });
});

describe('timeline cursors', () => {
  it('an out-of-range or made-up cursor is a 400 that says to use nextBefore', async () => {
    for (const before of ['9999-99-99T99:99:99Z_1', '2024-01-01T00:00:00.000Z_99999999999999999999', '2024-02-30T00:00:00Z_5', 'yesterday']) {
      const r = await asAdmin('GET', `/api/v1/cases/${caseId}/timeline?before=${encodeURIComponent(before)}`);
      expect(r.statusCode, before).toBe(400);
      expect(r.json().message).toMatch(/nextBefore/);
    }
    const first = await asAdmin('GET', `/api/v1/cases/${caseId}/timeline?limit=1`);
    expect(first.statusCode).toBe(200);
    const cursor = first.json().nextBefore;
    if (cursor) expect((await asAdmin('GET', `/api/v1/cases/${caseId}/timeline?before=${encodeURIComponent(cursor)}`)).statusCode).toBe(200);
  });
});
