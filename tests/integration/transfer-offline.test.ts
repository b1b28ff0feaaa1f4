import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';

// A supervisor handing a live chat to someone who is Offline used to hear "Done." while the visitor waited on nobody.
let ctx: TestContext;
let sup: (url: string, body: object) => Promise<{ statusCode: number; json(): { message?: string } }>;

beforeAll(async () => {
  ctx = await createTestContext({ ROUTING_SWEEP_MS: '600000' });
  await makeQueue(ctx.db.pool, { name: 'support', isDefault: true, channels: ['chat', 'email'] });
  const s = await makeAgent(ctx.db.pool, { role: 'supervisor' });
  const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: s.email, password: s.password } })).json().token;
  sup = (url, payload) => ctx.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
});
afterAll(() => ctx?.close());

const caseOn = async (channel: 'chat' | 'email', id: string) =>
  (await ingest(ctx.app.ingestDeps, { channel, provider: 'test', providerMessageId: id, from: { kind: channel === 'chat' ? 'chat' : 'email', value: channel === 'chat' ? `visitor-${id}` : `${id}@example.com` }, text: 'hello', raw: {} })).caseId;

describe('handing a case to an agent', () => {
  it('a live chat to an Offline agent is refused with 409 and the reason; to an online agent it goes', async () => {
    const away = await makeAgent(ctx.db.pool, { name: 'Olga Offline', presence: 'offline' });
    const here = await makeAgent(ctx.db.pool, { name: 'Ava Available', presence: 'available' });
    const chat = await caseOn('chat', 'live-1');
    const refused = await sup(`/api/v1/cases/${chat}/transfer`, { toAgentId: away.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/Olga Offline is offline/);
    expect((await ctx.db.pool.query(`SELECT assignee_id FROM cases WHERE id = $1`, [chat])).rows[0].assignee_id).toBeNull();
    expect((await sup(`/api/v1/cases/${chat}/transfer`, { toAgentId: here.id })).statusCode).toBe(200);
  });

  it('a written case (email) may still go to an Offline colleague: it waits in their list', async () => {
    const away = await makeAgent(ctx.db.pool, { presence: 'offline' });
    const mail = await caseOn('email', 'written-1');
    expect((await sup(`/api/v1/cases/${mail}/transfer`, { toAgentId: away.id })).statusCode).toBe(200);
  });
});
