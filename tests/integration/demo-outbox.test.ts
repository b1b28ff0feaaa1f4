import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { deliverInteraction } from '../../server/src/outbound/deliver.js';

// npm start on a laptop has no SMTP server and no Twilio account: demo replies are kept in a local outbox that
// supervisors open in the agent UI, instead of turning red "Failed".
let ctx: TestContext;
let token: string;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  ctx = await createTestContext({ DEMO_OUTBOX: '1' });
  const sup = await makeAgent(ctx.db.pool, { role: 'supervisor' });
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: sup.email, password: sup.password } })).json().token;
});
afterAll(() => ctx?.close());

const auth = () => ({ authorization: `Bearer ${token}` });
async function reply(channel: 'email' | 'sms', from: string, text: string): Promise<number> {
  const r = await ingest(ctx.app.ingestDeps, {
    channel,
    provider: 'test',
    providerMessageId: `${channel}-${text}`,
    from: { kind: channel === 'email' ? 'email' : 'phone', value: from },
    subject: channel === 'email' ? 'Invoice question' : undefined,
    text: 'hello',
    raw: {},
  });
  const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${r.caseId}/messages`, headers: auth(), payload: { text } });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json().interactionId as number;
}
const deliver = (id: number) => deliverInteraction({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log }, id, { finalAttempt: true });

describe('demo outbox', () => {
  it('an email and an SMS reply without any sender configured are delivered to the outbox, once each, and listed there', async () => {
    const mail = await reply('email', 'maria@example.com', 'Your refund is on its way');
    const sms = await reply('sms', '+14155550142', 'A technician comes tomorrow');
    for (const id of [mail, sms]) {
      await deliver(id);
      await deliver(id); // a retry of a delivered reply changes nothing
    }
    const rows = await ctx.db.pool.query(`SELECT id, delivery_status, delivery_error FROM interactions WHERE id = ANY($1) ORDER BY id`, [[mail, sms]]);
    expect(rows.rows.map((r) => r.delivery_status)).toEqual(['delivered', 'delivered']);
    const attempts = await ctx.db.pool.query(`SELECT outcome, provider FROM delivery_attempts WHERE interaction_id = ANY($1) ORDER BY id`, [[mail, sms]]);
    expect(attempts.rows).toEqual([
      { outcome: 'accepted', provider: 'demo-outbox' },
      { outcome: 'accepted', provider: 'demo-outbox' },
    ]);

    const list = await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/outbox', headers: auth() });
    expect(list.statusCode).toBe(200);
    const body = list.json();
    expect(body.enabled).toBe(true);
    expect(body.entries.map((e: { channel: string; to: string; text: string }) => [e.channel, e.to, e.text])).toEqual([
      ['sms', '+14155550142', 'A technician comes tomorrow'],
      ['email', 'maria@example.com', 'Your refund is on its way'],
    ]);
  });

  it('an attempt interrupted after the outbox kept the message is settled from the outbox, not written again', async () => {
    const id = await reply('email', 'tom@example.com', 'Interrupted once');
    await deliver(id);
    // as if the process had died after writing the outbox but before recording the outcome
    await ctx.db.pool.query(`UPDATE delivery_attempts SET outcome = 'pending', started_at = now() - interval '1 hour' WHERE interaction_id = $1`, [id]);
    await ctx.db.pool.query(`UPDATE interactions SET delivery_status = 'sending', provider_message_id = NULL WHERE id = $1`, [id]);
    await deliver(id);
    expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM demo_outbox WHERE interaction_id = $1`, [id])).rows[0].n).toBe(1);
    expect((await ctx.db.pool.query(`SELECT delivery_status FROM interactions WHERE id = $1`, [id])).rows[0].delivery_status).toBe('delivered');
  });

  it('agents do not open the outbox (it holds every case\'s replies)', async () => {
    const agent = await makeAgent(ctx.db.pool, { role: 'agent' });
    const t = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } })).json().token;
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/outbox', headers: { authorization: `Bearer ${t}` } })).statusCode).toBe(403);
  });
});
