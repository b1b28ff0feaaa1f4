import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';

// The per-route limits on what anyone may call (visitor sign-up, offline messages, portal sign-in)
// count in Redis; while Redis is down they count in the process instead of letting everything through.
let ctx: TestContext;
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  ctx = await createTestContext({ REDIS_URL: redis.url, PORTAL_SIGNIN_IP_RATE_LIMIT_MAX: '3' });
});
afterAll(async () => {
  // close() cleans the test's keys: give it its Redis back first
  await redis?.start().catch(() => {});
  await ctx?.close();
  await redis?.stop();
});

const statuses = async (n: number, req: () => Promise<{ statusCode: number; headers: Record<string, unknown> }>) => {
  const out: { status: number; retryAfter: unknown }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await req();
    out.push({ status: r.statusCode, retryAfter: r.headers['retry-after'] });
  }
  return out;
};

describe('public rate limits while Redis is down', () => {
  it('still answer 429 with Retry-After beyond the limit, counted in the process', async () => {
    // counted in Redis while it is there
    const first = await ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', remoteAddress: '203.0.113.9', payload: { email: 'a@example.test', text: 'hello' } });
    expect(first.statusCode).toBeLessThan(300);
    await redis.stop();

    // offline messages: 10 a minute per address
    const offline = await statuses(11, () =>
      ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', remoteAddress: '203.0.113.10', payload: { email: 'b@example.test', text: 'hello' } }),
    );
    expect(offline.slice(0, 10).every((r) => r.status !== 429)).toBe(true);
    expect(offline[10]).toMatchObject({ status: 429, retryAfter: expect.anything() });

    // visitor sign-up: 30 a minute per address
    const visitors = await statuses(31, () => ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', remoteAddress: '203.0.113.11', payload: { name: 'V' } }));
    expect(visitors.slice(0, 30).every((r) => r.status !== 429)).toBe(true);
    expect(visitors[30]).toMatchObject({ status: 429, retryAfter: expect.anything() });

    // portal sign-in requests: PORTAL_SIGNIN_IP_RATE_LIMIT_MAX per network address; the link itself cannot be queued
    // without Redis, so those within the limit are answered 503 + Retry-After (never 500), and the one beyond it 429
    const portal = await statuses(4, () =>
      ctx.app.inject({ method: 'POST', url: '/portal/api/auth/magic-link', remoteAddress: '203.0.113.12', payload: { email: `p@example.test` } }),
    );
    expect(portal.slice(0, 3)).toEqual(Array(3).fill({ status: 503, retryAfter: '5' }));
    expect(portal[3]).toMatchObject({ status: 429, retryAfter: expect.anything() });
    // the per-address count (PORTAL_SIGNIN_RATE_LIMIT_MAX, 5) holds too, from addresses still under their own limit
    const perAddress = [];
    for (let i = 0; i < 6; i++) {
      const r = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/magic-link', remoteAddress: `203.0.113.${20 + i}`, payload: { email: 'q@example.test' } });
      perAddress.push(r.statusCode);
    }
    expect(perAddress).toEqual([503, 503, 503, 503, 503, 429]);

    // another address is not affected
    const other = await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', remoteAddress: '203.0.113.99', payload: { name: 'W' } });
    expect(other.statusCode).not.toBe(429);
    console.log(
      `[rate limits, Redis down] offline messages ${offline.map((r) => r.status).join(',')}; visitors 429 after ${visitors.findIndex((r) => r.status === 429)}; portal ${portal.map((r) => r.status).join(',')}, one address from 6 IPs ${perAddress.join(',')}`,
    );
  });
});
