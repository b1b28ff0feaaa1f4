import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { leaveQueue } from '../../server/src/channels/chat/leave-queue.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const inbound = (payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': 'test-inbound-key-0123456789' }, payload });
const count = async (sql: string, p: unknown[] = []) => Number((await ctx.db.pool.query(sql, p)).rows[0].n);

describe('POST /api/v1/inbound with an explicit caseId', () => {
  it('files into that case when it is the customer\'s, and answers 422 (storing nothing) for a missing case or another customer\'s', async () => {
    const a = (await inbound({ providerMessageId: 'ec-1', from: { kind: 'api', value: 'crm-alice' }, text: 'first' })).json();
    const b = (await inbound({ providerMessageId: 'ec-2', from: { kind: 'api', value: 'crm-bob' }, text: 'bob here' })).json();
    const same = await inbound({ providerMessageId: 'ec-3', from: { kind: 'api', value: 'crm-alice' }, text: 'more', caseId: a.caseId });
    expect(same.statusCode).toBe(201);
    expect(same.json().caseId).toBe(a.caseId);

    const before = await count(`SELECT count(*) AS n FROM interactions`);
    const other = await inbound({ providerMessageId: 'ec-4', from: { kind: 'api', value: 'crm-alice' }, text: 'into bob\'s case?', caseId: b.caseId });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ message: `case ${b.caseId} does not exist or belongs to another customer`, details: [{ field: 'caseId' }] });
    const missing = await inbound({ providerMessageId: 'ec-5', from: { kind: 'api', value: 'crm-new-person' }, text: 'x', caseId: 99_999_999 });
    expect(missing.statusCode).toBe(422);
    expect(await count(`SELECT count(*) AS n FROM interactions`)).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM raw_events WHERE provider_message_id IN ('ec-4', 'ec-5')`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM customer_identities WHERE value = 'crm-new-person'`)).toBe(0);
  });
});

describe('a chat visitor leaving the queue', () => {
  it('is one transaction: if closing the case fails, no abandoned event is left behind; otherwise both happen', async () => {
    const c = (await inbound({ channel: 'chat', providerMessageId: 'lq-1', from: { kind: 'api', value: 'visitor-lq' }, text: 'anyone there?' })).json();
    expect((await ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [c.caseId])).rows[0].routing_state).toBe('waiting');
    await ctx.db.pool.query(`
      CREATE FUNCTION refuse_close() RETURNS trigger AS $$
      BEGIN IF NEW.status = 'closed' THEN RAISE EXCEPTION 'closing refused for this test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_close BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION refuse_close();`);
    await expect(leaveQueue(ctx.app.routingDeps, c.caseId)).rejects.toThrow(/closing refused/);
    expect(await count(`SELECT count(*) AS n FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [c.caseId])).toBe(0);
    expect((await ctx.db.pool.query(`SELECT status, routing_state FROM cases WHERE id = $1`, [c.caseId])).rows[0]).toEqual({ status: 'new', routing_state: 'waiting' });

    await ctx.db.pool.query(`DROP TRIGGER refuse_close ON cases; DROP FUNCTION refuse_close();`);
    expect(await leaveQueue(ctx.app.routingDeps, c.caseId)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM case_events WHERE case_id = $1 AND type = 'abandoned'`, [c.caseId])).toBe(1);
    expect((await ctx.db.pool.query(`SELECT status, routing_state FROM cases WHERE id = $1`, [c.caseId])).rows[0]).toEqual({ status: 'closed', routing_state: 'none' });
  });
});
