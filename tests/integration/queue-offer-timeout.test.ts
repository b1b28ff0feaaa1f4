import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../helpers/routing-harness.js';
import { makeAgent } from '../helpers/factories.js';

// The hub defaults stay (20 s live, 60 s written); a queue's own offer timeout, set in Admin → Queues,
// is what its agents get.
let h: Harness;
let adminToken: string;
beforeAll(async () => {
  h = await createHarness();
  const admin = await makeAgent(h.ctx.db.pool, { role: 'admin' });
  adminToken = (await h.ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
});
afterAll(async () => h?.close());

const secondsLeft = (expiresAt: string) => (Date.parse(expiresAt) - Date.now()) / 1000;

describe('per-queue offer timeout', () => {
  it('an offer of a queue with its own chat timeout expires then and goes to the next agent; other channels keep the default', async () => {
    const created = await h.ctx.app.inject({
      method: 'POST',
      url: '/api/v1/admin/queues',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { name: 'quick chat', channels: ['chat', 'email'], offerTimeouts: { chat: 5 } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().offerTimeouts).toEqual({ chat: 5 });
    const queueId = created.json().id as number;
    const refused = await h.ctx.app.inject({
      method: 'PATCH', url: `/api/v1/admin/queues/${queueId}`, headers: { authorization: `Bearer ${adminToken}` }, payload: { offerTimeouts: { chat: 1 } },
    });
    expect(refused.statusCode).toBe(400);

    const slow = await h.agent({ queueIds: [queueId], available: true });
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '1 hour' WHERE id = $1`, [slow.id]);
    const chat = await h.inbound({ channel: 'chat', queueId });
    const offer = await slow.nextOffer((o) => o.case.id === chat);
    expect(secondsLeft(offer.expiresAt)).toBeGreaterThan(3);
    expect(secondsLeft(offer.expiresAt)).toBeLessThanOrEqual(5.5);

    const next = await h.agent({ queueIds: [queueId], available: true });
    const rescinded = await until(() => slow.rescinded.find((r) => r.offerId === offer.offerId), 'rescinded after the queue timeout', 9000);
    expect(rescinded.reason).toBe('timeout');
    expect((await next.nextOffer((o) => o.case.id === chat)).case.id).toBe(chat);

    const email = await h.inbound({ channel: 'email', queueId });
    const emailOffer = await until(() => [...slow.open(), ...next.open()].find((o) => o.case.id === email), 'an offer of the email case');
    expect(secondsLeft(emailOffer.expiresAt)).toBeGreaterThan(50);
  }, 30_000);
});
