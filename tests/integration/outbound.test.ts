import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

let ctx: TestContext;
let stop: () => Promise<void>;
const blocking = createRedis(REDIS_URL, 'worker');

beforeAll(async () => {
  ctx = await createTestContext();
  stop = startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }), connection: blocking, prefix: ctx.config.queuePrefix });
});
afterAll(async () => {
  await stop();
  blocking.disconnect();
  await ctx.close();
});

describe('agent replies', () => {
  it('stores the reply as an outbound interaction, records first response and delivers it through the channel worker', async () => {
    const agent = await makeAgent(ctx.db.pool);
    const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } })).json().token;
    const inbound = await ctx.app.inject({
      method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': 'test-inbound-key-0123456789' },
      payload: { providerMessageId: 'o-1', from: { kind: 'api', value: 'crm-user-9' }, text: 'status of ticket?' },
    });
    const caseId = inbound.json().caseId;
    // the agent holding the case answers it
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2 WHERE id = $1`, [caseId, agent.id]);
    const note = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { internal: true, text: 'checking with billing' } });
    expect(note.json()).toMatchObject({ deliveryStatus: 'delivered', firstResponse: false });
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'It ships tomorrow.' } });
    expect(r.statusCode).toBe(201);
    expect(r.json().firstResponse).toBe(true);
    const sent = await waitFor(async () => {
      const x = await ctx.db.pool.query(`SELECT direction, delivery_status, to_address, author_agent_id FROM interactions WHERE id = $1`, [r.json().interactionId]);
      return x.rows[0].delivery_status === 'sent' && x.rows[0];
    }, 5000, 'the reply to be sent');
    expect(sent).toMatchObject({ direction: 'outbound', to_address: 'crm-user-9', author_agent_id: agent.id });
    const c = await ctx.db.pool.query(`SELECT status, first_response_at FROM cases WHERE id = $1`, [caseId]);
    expect(c.rows[0].status).toBe('open');
    expect(c.rows[0].first_response_at).not.toBeNull();
  });

  it('needs a session and a known case', async () => {
    expect((await ctx.app.inject({ method: 'POST', url: '/api/v1/cases/1/messages', payload: { text: 'x' } })).statusCode).toBe(401);
    const agent = await makeAgent(ctx.db.pool);
    const token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } })).json().token;
    const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/cases/999999/messages', headers: { authorization: `Bearer ${token}` }, payload: { text: 'x' } });
    expect(r.statusCode).toBe(404);
  });
});
