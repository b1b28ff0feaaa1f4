import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { automationDeps } from '../helpers/hub-workers.js';
import { processInbox, type AutomationDeps } from '../../server/src/automation/engine.js';
import { runTimeRules } from '../../server/src/automation/time-rules.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';

// The shipped example rules (migration 1221, disabled) and the rules' guarantees, against real Postgres and Redis.
// The worker's inbox loop is processInbox; the tests call it directly so each step is deterministic.

let ctx: TestContext;
let deps: AutomationDeps;
let supervisor: Awaited<ReturnType<typeof makeAgent>>;
let supToken: string;
let billingId: number;
let supportId: number;

const KEY = 'test-inbound-key-0123456789';
let seq = 0;

async function inbound(body: Record<string, unknown>) {
  seq++;
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/inbound',
    headers: { 'x-api-key': KEY },
    payload: { channel: 'email', providerMessageId: `ar-${seq}`, from: { kind: 'email', value: `c${seq}@example.com`, name: `Customer ${seq}` }, text: 'hello', ...body },
  });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; customerId: number; interactionId: number };
}

/** Runs the automation worker's inbox until it is empty. */
async function drain() {
  for (let i = 0; i < 20 && (await processInbox(deps)) > 0; i++);
}

const enable = (exampleKey: string) => ctx.db.pool.query(`UPDATE automation_rules SET enabled = (example_key = $1)`, [exampleKey]);
const caseRow = async (id: number) => (await ctx.db.pool.query(`SELECT * FROM cases WHERE id = $1`, [id])).rows[0];
const ruleEntries = async (caseId: number) =>
  (await ctx.db.pool.query(`SELECT text, metadata FROM interactions WHERE case_id = $1 AND kind = 'system' AND metadata ? 'automation' ORDER BY id`, [caseId])).rows;

beforeAll(async () => {
  ctx = await createTestContext();
  supportId = (await makeQueue(ctx.db.pool, { name: 'support', isDefault: true })).id;
  billingId = (await makeQueue(ctx.db.pool, { name: 'Billing' })).id;
  supervisor = await makeAgent(ctx.db.pool, { role: 'supervisor', name: 'Sara Supervisor' });
  supToken = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: supervisor.email, password: supervisor.password } })).json().token;
  deps = automationDeps(ctx);
});
afterAll(async () => {
  await ctx?.close();
});
beforeEach(async () => {
  await ctx.db.pool.query(`UPDATE automation_rules SET enabled = false`);
  await ctx.db.pool.query(`DELETE FROM automation_rules WHERE example_key IS NULL`);
  await drain();
});

describe('the shipped example rules', () => {
  it('ship disabled: nothing happens to a refund request until the rule is turned on', async () => {
    const { rows } = await ctx.db.pool.query(`SELECT example_key, enabled FROM automation_rules ORDER BY position`);
    expect(rows).toEqual([
      { example_key: 'refund-to-billing', enabled: false },
      { example_key: 'vip-high', enabled: false },
      { example_key: 'complaint-notify', enabled: false },
      { example_key: 'solved-7d-close', enabled: false },
    ]);
    const c = await inbound({ subject: 'Refund please' });
    await drain();
    expect((await caseRow(c.caseId)).queue_id).toBe(supportId);
  });

  it('"subject contains refund/بازپرداخت → billing" moves the case to billing and says so in its timeline', async () => {
    await enable('refund-to-billing');
    const en = await inbound({ subject: 'I want a REFUND for order 12' });
    // typed with a zero-width non-joiner inside the word, as Persian keyboards often do
    const fa = await inbound({ subject: 'درخواست باز\u200Cپرداخت سفارش ۱۲' });
    const other = await inbound({ subject: 'Refunded already? just asking about refunds' });
    await drain();
    expect((await caseRow(en.caseId)).queue_id).toBe(billingId);
    expect((await caseRow(fa.caseId)).queue_id).toBe(billingId);
    // "refunded" and "refunds" are other words
    expect((await caseRow(other.caseId)).queue_id).toBe(supportId);
    // the case waits in billing's queue for an agent (lifecycle's transfer: requeued, with the rule as its cause)
    expect((await caseRow(en.caseId)).routing_state).toBe('waiting');
    const ev = await ctx.db.pool.query(`SELECT type, data FROM case_events WHERE case_id = $1 AND type IN ('transferred', 'automation') ORDER BY id`, [en.caseId]);
    expect(ev.rows.map((r) => r.type)).toEqual(['transferred', 'automation']);
    expect(ev.rows[0].data.automation.chain).toHaveLength(1);
    const entries = await ruleEntries(en.caseId);
    expect(entries).toHaveLength(1);
    expect(entries[0].text).toBe('Rule "Refund requests go to billing": set queue Billing');
    expect(entries[0].metadata.automation.done).toEqual([{ type: 'set_queue', value: 'Billing' }]);
    // the timeline API shows the entry to agents
    const tl = await ctx.app.inject({ method: 'GET', url: `/api/v1/customers/${en.customerId}/timeline`, headers: { authorization: `Bearer ${supToken}` } });
    expect(tl.json().items.some((i: { kind: string; metadata: { automation?: unknown } }) => i.kind === 'system' && i.metadata.automation)).toBe(true);
  });

  it('"VIP → high" raises the priority of a VIP customer’s new case only', async () => {
    await enable('vip-high');
    const vip = await inbound({ subject: 'Hello' });
    const plain = await inbound({ subject: 'Hello' });
    await ctx.db.pool.query(`UPDATE customers SET tier = 'vip' WHERE id = $1`, [vip.customerId]);
    await drain();
    expect((await caseRow(vip.caseId)).priority).toBe('high');
    expect((await caseRow(plain.caseId)).priority).toBe('normal');
    const pc = await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'priority_changed'`, [vip.caseId]);
    expect(pc.rows[0].data).toMatchObject({ from: 'normal', to: 'high' });
  });

  it('"complaint → notify supervisor" puts a notice in the supervisors’ bell', async () => {
    await enable('complaint-notify');
    const c = await inbound({ subject: 'About my order', text: 'I want to file a complaint about the delivery' });
    const fa = await inbound({ subject: 'شكايت از پشتيباني' }); // Arabic kaf and yeh: the same word as شکایت
    await drain();
    const n = await ctx.db.pool.query(`SELECT agent_id, case_id, kind, text FROM notifications WHERE kind = 'rule' ORDER BY id`);
    expect(n.rows.filter((r) => r.agent_id === supervisor.id).map((r) => r.case_id)).toEqual([c.caseId, fa.caseId]);
    const bell = await ctx.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: { authorization: `Bearer ${supToken}` } });
    expect(bell.statusCode).toBe(200);
    expect(bell.json().items.map((i: { text: string }) => i.text)).toContain('A complaint came in');
  });

  it('"solved 7 days with no reply → closed" closes a solved case after 7 days, not before', async () => {
    await enable('solved-7d-close');
    const c = await inbound({ subject: 'Printer' });
    const reopened = await inbound({ subject: 'Scanner' });
    await drain();
    await changeCaseStatus(ctx.app.routingDeps, { caseId: c.caseId, status: 'solved', agentId: null, resolutionNote: 'fixed' });
    await changeCaseStatus(ctx.app.routingDeps, { caseId: reopened.caseId, status: 'solved', agentId: null, resolutionNote: 'fixed' });
    // the customer writes back on the second one: it reopens, so it was not "solved with no reply"
    await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/inbound',
      headers: { 'x-api-key': KEY },
      payload: { channel: 'email', providerMessageId: `ar-re-${reopened.caseId}`, from: { kind: 'email', value: `c${seq}@example.com` }, text: 'still broken', caseId: reopened.caseId },
    });
    const day = 86_400_000;
    await runTimeRules(deps, new Date(Date.now() + 6 * day));
    expect((await caseRow(c.caseId)).status).toBe('solved');
    await runTimeRules(deps, new Date(Date.now() + 7 * day + 60_000));
    expect((await caseRow(c.caseId)).status).toBe('closed');
    expect((await caseRow(reopened.caseId)).status).toBe('open');
    const closed = await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'closed'`, [c.caseId]);
    expect(closed.rows[0].data.automation.ruleId).toBeGreaterThan(0);
    // once: a later sweep does nothing more
    await runTimeRules(deps, new Date(Date.now() + 9 * day));
    expect(await ruleEntries(c.caseId)).toHaveLength(1);
  });
});

describe('rule guarantees', () => {
  async function addRule(rule: Record<string, unknown>) {
    const r = await ctx.db.pool.query(
      `INSERT INTO automation_rules (name, position, enabled, trigger, conditions, actions, stop_processing) VALUES ($1, $2, true, $3, $4, $5, $6) RETURNING id`,
      [rule.name, rule.position ?? 100, JSON.stringify(rule.trigger), JSON.stringify(rule.conditions ?? {}), JSON.stringify(rule.actions), rule.stop ?? false],
    );
    return Number(r.rows[0].id);
  }

  it('a rule cannot trigger itself: an auto-reply on "agent replied" answers once, not for ever', async () => {
    const id = await addRule({
      name: 'Thank-you after every reply',
      trigger: { on: 'agent_replied' },
      actions: [{ type: 'send_reply', texts: { en: 'Thanks {{customer.name}}, see {{case.ref}}', fa: 'سپاس {{customer.name}}' } }],
    });
    const c = await inbound({ subject: 'Question', from: { kind: 'email', value: 'loop@example.com', name: 'Lola' } });
    const reply = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c.caseId}/messages`, headers: { authorization: `Bearer ${supToken}` }, payload: { text: 'Here is the answer' } });
    expect(reply.statusCode, reply.body).toBeLessThan(300);
    await drain();
    await drain();
    const out = await ctx.db.pool.query(`SELECT text, author_agent_id, delivery_status FROM interactions WHERE case_id = $1 AND direction = 'outbound' ORDER BY id`, [c.caseId]);
    const number = (await caseRow(c.caseId)).number;
    expect(out.rows.map((r) => r.text)).toEqual(['Here is the answer', `Thanks Lola, see #${number}`]);
    // the rule's reply goes out through the ordinary outbound path
    expect(out.rows[1].delivery_status).toBe('queued');
    const runs = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM automation_runs WHERE rule_id = $1`, [id]);
    expect(runs.rows[0].n).toBe(1);
  });

  it('runs on customer replies and agent assignment; assigns, notes and tags through the owners of that state', async () => {
    const agent = await makeAgent(ctx.db.pool, { name: 'Ali Agent', queueIds: [supportId] });
    await addRule({ name: 'SMS to Ali', position: 1, trigger: { on: 'case_created' }, conditions: { channels: ['sms'] }, actions: [{ type: 'assign_agent', agentId: agent.id }] });
    await addRule({
      name: 'Urgent words',
      position: 2,
      trigger: { on: 'customer_replied' },
      conditions: { keywords: { words: ['فوری', 'urgent'], in: 'body' } },
      actions: [{ type: 'set_priority', priority: 'urgent' }, { type: 'add_tags', tags: ['Escalated'] }, { type: 'add_note', text: 'Customer {{customer.name}} says it is urgent' }, { type: 'notify', to: 'assignee', text: 'Urgent reply on {{case.ref}}' }],
    });
    const c = await inbound({ channel: 'sms', from: { kind: 'phone', value: '+14155550177', name: 'Sam' }, text: 'hi' });
    await drain();
    const assigned = await caseRow(c.caseId);
    expect([assigned.assignee_id, assigned.routing_state, assigned.status]).toEqual([agent.id, 'assigned', 'open']);
    const ev = await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'assigned'`, [c.caseId]);
    expect(ev.rows[0].data).toMatchObject({ via: 'supervisor', actorId: null, automation: { chain: [expect.any(Number)] } });
    // the first message made the case: it is not a "reply"; the second one is
    expect((await caseRow(c.caseId)).priority).toBe('normal');
    await inbound({ channel: 'sms', from: { kind: 'phone', value: '+14155550177' }, text: 'لطفا فوري رسيدگي کنيد', caseId: c.caseId });
    await drain();
    const after = await caseRow(c.caseId);
    expect([after.priority, after.tags]).toEqual(['urgent', ['escalated']]);
    const note = await ctx.db.pool.query(`SELECT text, author_agent_id FROM interactions WHERE case_id = $1 AND kind = 'note'`, [c.caseId]);
    expect(note.rows).toEqual([{ text: 'Customer Sam says it is urgent', author_agent_id: null }]);
    const bell = await ctx.db.pool.query(`SELECT text FROM notifications WHERE agent_id = $1 AND kind = 'rule'`, [agent.id]);
    expect(bell.rows.map((r) => r.text)).toEqual([`Urgent reply on #${after.number}`]);
    expect((await ruleEntries(c.caseId)).map((e) => e.metadata.automation.done.map((d: { type: string }) => d.type))).toEqual([
      ['assign_agent'],
      ['set_priority', 'add_tags', 'add_note', 'notify'],
    ]);
  });

  it('at least once, once per (rule, event): an event handled again does not repeat a finished run; a run cut short is redone', async () => {
    const id = await addRule({ name: 'Note on new cases', trigger: { on: 'case_created' }, actions: [{ type: 'add_note', text: 'Welcome' }] });
    const c = await inbound({ subject: 'One' });
    await drain();
    const created = (await ctx.db.pool.query(`SELECT id FROM case_events WHERE case_id = $1 AND type = 'created'`, [c.caseId])).rows[0].id;
    const notes = async (caseId: number) => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions WHERE case_id = $1 AND kind = 'note'`, [caseId])).rows[0].n;
    expect(await notes(c.caseId)).toBe(1);
    // a worker died after the run but before removing the event: its lease ran out and the event comes back
    await ctx.db.pool.query(`INSERT INTO automation_inbox (event_id, case_id) VALUES ($1, $2)`, [created, c.caseId]);
    await drain();
    expect(await notes(c.caseId)).toBe(1);

    // a worker died in the middle of a run: the run row says "running", so the next worker does it again
    const d = await inbound({ subject: 'Two' });
    const createdD = (await ctx.db.pool.query(`SELECT id FROM case_events WHERE case_id = $1 AND type = 'created'`, [d.caseId])).rows[0].id;
    await ctx.db.pool.query(`INSERT INTO automation_runs (rule_id, event_id, case_id, status) VALUES ($1, $2, $3, 'running')`, [id, createdD, d.caseId]);
    await drain();
    expect(await notes(d.caseId)).toBe(1);
    expect((await ctx.db.pool.query(`SELECT status, attempts FROM automation_runs WHERE rule_id = $1 AND event_id = $2`, [id, createdD])).rows[0]).toEqual({ status: 'done', attempts: 2 });
    expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM automation_inbox`)).rows[0].n).toBe(0);
  });

  it('two rules cannot ping-pong, the order holds and "stop processing" ends the list', async () => {
    await addRule({ name: 'high', position: 2, trigger: { on: 'case_created' }, actions: [{ type: 'set_priority', priority: 'high' }], stop: true });
    await addRule({ name: 'never', position: 3, trigger: { on: 'case_created' }, actions: [{ type: 'set_priority', priority: 'low' }] });
    // status ping-pong: each rule reopens / solves what the other did
    await addRule({ name: 'solve', position: 4, trigger: { on: 'status_changed' }, conditions: { statuses: ['open'] }, actions: [{ type: 'set_status', status: 'solved' }] });
    await addRule({ name: 'reopen', position: 5, trigger: { on: 'status_changed' }, conditions: { statuses: ['solved'] }, actions: [{ type: 'set_status', status: 'open' }] });
    const c = await inbound({ subject: 'Order' });
    await drain();
    expect((await caseRow(c.caseId)).priority).toBe('high');
    await changeCaseStatus(ctx.app.routingDeps, { caseId: c.caseId, status: 'open', agentId: supervisor.id });
    for (let i = 0; i < 5; i++) await drain();
    const entries = (await ruleEntries(c.caseId)).map((e) => e.metadata.automation.ruleName);
    // open (by a person) → solve → reopen; "solve" does not run again on a change its own change led to
    expect(entries).toEqual(['high', 'solve', 'reopen']);
    expect((await caseRow(c.caseId)).status).toBe('open');
  });
});
