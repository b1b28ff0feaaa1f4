import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';

// What the role × route table cannot show: rules that depend on the body, on a second case, on mentions,
// on AGENT_CASE_ACCESS, and lists filtered to what the caller may read.

let ctx: TestContext;
const KEY = 'test-inbound-key-0123456789';
let billing: number;
let sales: number;
type Person = Awaited<ReturnType<typeof makeAgent>> & { token: string };
let member: Person, outsider: Person, holder: Person, supervisor: Person, admin: Person;

async function person(o: Parameters<typeof makeAgent>[1]): Promise<Person> {
  const a = await makeAgent(ctx.db.pool, o);
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  return { ...a, token: r.json().token };
}
const api = (who: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
  ctx.app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${who.token}` } });

async function inbound(id: string, queue: string, from = `${id}@example.com`, channel = 'email') {
  const r = await ctx.app.inject({
    method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY },
    payload: { channel, providerMessageId: id, from: { kind: 'email', value: from, name: `Customer ${id}` }, subject: `Subject ${id}`, text: `text ${id}`, queue },
  });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; caseNumber: number; customerId: number };
}

beforeAll(async () => {
  ctx = await createTestContext();
  billing = (await makeQueue(ctx.db.pool, { name: 'billing' })).id;
  sales = (await makeQueue(ctx.db.pool, { name: 'sales' })).id;
  member = await person({ queueIds: [billing], name: 'Mina Member' });
  outsider = await person({ queueIds: [sales], name: 'Omid Outsider', email: 'omid@example.test' });
  holder = await person({ queueIds: [sales] });
  supervisor = await person({ role: 'supervisor' });
  admin = await person({ role: 'admin' });
});
afterAll(async () => {
  await ctx.close();
});

describe('least privilege for agents', () => {
  it('an agent reads the cases of their queues, not another queue’s, and 404 hides which exist', async () => {
    const c = await inbound('p-1', 'billing');
    expect((await api(member, 'GET', `/api/v1/cases/${c.caseId}`)).statusCode).toBe(200);
    const hidden = await api(outsider, 'GET', `/api/v1/cases/${c.caseId}`);
    const missing = await api(outsider, 'GET', '/api/v1/cases/987654');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual(missing.json());
    expect((await api(outsider, 'GET', `/api/v1/customers/${c.customerId}`)).statusCode).toBe(404);
    expect((await api(outsider, 'POST', `/api/v1/cases/${c.caseId}/messages`, { internal: true, text: 'peek' })).statusCode).toBe(404);
  });

  it('an agent mentioned on a case reads it; AGENT_CASE_ACCESS=all opens every case for reading only', async () => {
    const c = await inbound('p-2', 'billing');
    expect((await api(outsider, 'GET', `/api/v1/cases/${c.caseId}`)).statusCode).toBe(404);
    const note = await api(member, 'POST', `/api/v1/cases/${c.caseId}/messages`, { internal: true, text: '@omid can you look at this?' });
    expect(note.statusCode, note.body).toBe(201);
    expect((await api(outsider, 'GET', `/api/v1/cases/${c.caseId}`)).statusCode).toBe(200);

    const open = await createTestContext({ AGENT_CASE_ACCESS: 'all' });
    try {
      const q = await makeQueue(open.db.pool, { name: 'billing' });
      await makeQueue(open.db.pool, { name: 'sales' });
      const a = await makeAgent(open.db.pool);
      const token = (await open.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token;
      const r = await open.app.inject({
        method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY },
        payload: { channel: 'email', providerMessageId: 'all-1', from: { kind: 'email', value: 'all@example.com' }, subject: 'x', text: 'y', queue: 'billing' },
      });
      const caseId = r.json().caseId;
      expect((await open.db.pool.query(`SELECT queue_id FROM cases WHERE id = $1`, [caseId])).rows[0].queue_id).toBe(q.id);
      const h = { authorization: `Bearer ${token}` };
      expect((await open.app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: h })).statusCode).toBe(200);
      expect((await open.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/status`, headers: h, payload: { status: 'solved', resolutionNote: 'x' } })).statusCode).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('only the holder or a supervisor changes status and priority; colleagues may still tag', async () => {
    const c = await inbound('p-3', 'billing');
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [c.caseId, holder.id]);
    const byMember = await api(member, 'POST', `/api/v1/cases/${c.caseId}/status`, { status: 'solved', resolutionNote: 'done' });
    expect(byMember.statusCode).toBe(403);
    expect(byMember.json().message).toMatch(/holding the case or a supervisor/);
    expect((await api(member, 'PATCH', `/api/v1/cases/${c.caseId}`, { priority: 'urgent' })).statusCode).toBe(403);
    expect((await api(member, 'PATCH', `/api/v1/cases/${c.caseId}`, { tags: ['vip-follow-up'] })).statusCode).toBe(200);
    expect((await api(member, 'POST', `/api/v1/cases/${c.caseId}/transfer`, { toAgentId: member.id })).statusCode).toBe(403);
    // the holder is not in the billing queue but holds the case
    expect((await api(holder, 'PATCH', `/api/v1/cases/${c.caseId}`, { priority: 'high' })).statusCode).toBe(200);
    expect((await api(supervisor, 'PATCH', `/api/v1/cases/${c.caseId}`, { priority: 'urgent' })).statusCode).toBe(200);
    const solved = await api(holder, 'POST', `/api/v1/cases/${c.caseId}/status`, { status: 'solved', resolutionNote: 'refunded' });
    expect(solved.statusCode, solved.body).toBe(200);
  });

  it('a case the agent may not read cannot be linked to or found by number', async () => {
    const mine = await inbound('p-4', 'billing');
    const theirs = await inbound('p-5', 'sales');
    const link = await api(member, 'POST', `/api/v1/cases/${mine.caseId}/links`, { number: theirs.caseNumber });
    expect(link.statusCode).toBe(404);
    expect(link.json().message).toBe(`case #${theirs.caseNumber} not found`);
    expect((await api(supervisor, 'POST', `/api/v1/cases/${mine.caseId}/links`, { number: theirs.caseNumber })).statusCode).toBe(200);
  });

  it('GET /queues, search and the customer timeline show an agent only what they may read', async () => {
    const b = await inbound('p-6', 'billing', 'shared@example.com');
    // the same customer writes again on another channel, which opens a case in another queue
    const s = await inbound('p-7', 'sales', 'shared@example.com', 'api');
    expect(s.caseId).not.toBe(b.caseId);
    expect(s.customerId).toBe(b.customerId);
    await ctx.db.pool.query(`UPDATE cases SET routing_state = 'waiting', first_queued_at = now() WHERE id = ANY($1)`, [[b.caseId, s.caseId]]);

    const waiting = (who: Person) => api(who, 'GET', '/api/v1/queues').then((r) => r.json().cases.map((x: { caseId: number }) => x.caseId));
    expect(await waiting(member)).toContain(b.caseId);
    expect(await waiting(member)).not.toContain(s.caseId);
    expect(await waiting(supervisor)).toEqual(expect.arrayContaining([b.caseId, s.caseId]));

    const found = (await api(member, 'GET', '/api/v1/search?q=Subject%20p-7')).json();
    expect(found.cases.map((x: { id: number }) => x.id)).not.toContain(s.caseId);
    expect((await api(outsider, 'GET', '/api/v1/search?q=Subject%20p-7')).json().cases.map((x: { id: number }) => x.id)).toContain(s.caseId);

    const timeline = (await api(member, 'GET', `/api/v1/cases/${b.caseId}/timeline`)).json();
    const caseIds = new Set(timeline.items.map((i: { caseId: number }) => i.caseId));
    expect(caseIds.has(b.caseId)).toBe(true);
    expect(caseIds.has(s.caseId)).toBe(false);
    const profile = (await api(member, 'GET', `/api/v1/customers/${b.customerId}`)).json();
    expect(profile.cases.map((x: { id: number }) => x.id)).toEqual([b.caseId]);
    const full = (await api(supervisor, 'GET', `/api/v1/customers/${b.customerId}/timeline`)).json();
    expect(new Set(full.items.map((i: { caseId: number }) => i.caseId))).toEqual(new Set([b.caseId, s.caseId]));
  });

  it('merging customers and publishing articles need a supervisor; agents write drafts', async () => {
    const x = await inbound('p-8', 'billing');
    const y = await inbound('p-9', 'billing');
    expect((await api(member, 'POST', `/api/v1/customers/${x.customerId}/merge`, { sourceId: y.customerId })).statusCode).toBe(403);
    expect((await api(supervisor, 'POST', `/api/v1/customers/${x.customerId}/merge`, { sourceId: y.customerId })).statusCode).toBe(200);

    expect((await api(member, 'POST', '/api/v1/kb/articles', { title: 'Refunds', body: 'x', published: true })).statusCode).toBe(403);
    const draft = await api(member, 'POST', '/api/v1/kb/articles', { title: 'Refunds', body: 'x' });
    expect(draft.statusCode, draft.body).toBe(201);
    expect((await api(member, 'PATCH', `/api/v1/kb/articles/${draft.json().id}`, { body: 'better' })).statusCode).toBe(200);
    expect((await api(member, 'PATCH', `/api/v1/kb/articles/${draft.json().id}`, { published: true })).statusCode).toBe(403);
    expect((await api(supervisor, 'PATCH', `/api/v1/kb/articles/${draft.json().id}`, { published: true })).statusCode).toBe(200);
    // once published, the live text is a supervisor's to change
    expect((await api(member, 'PATCH', `/api/v1/kb/articles/${draft.json().id}`, { body: 'sneaky' })).statusCode).toBe(403);
  });

  it("a supervisor cannot change an admin's account; admins can", async () => {
    const other = await makeAgent(ctx.db.pool, { role: 'admin' });
    const r = await api(supervisor, 'PATCH', `/api/v1/admin/agents/${other.id}`, { phone: '+14155550199' });
    expect(r.statusCode).toBe(403);
    expect((await ctx.db.pool.query(`SELECT phone FROM agents WHERE id = $1`, [other.id])).rows[0].phone).toBeNull();
    expect((await api(supervisor, 'PATCH', `/api/v1/admin/agents/${member.id}`, { skills: ['billing'] })).statusCode).toBe(200);
    expect((await api(supervisor, 'PATCH', `/api/v1/admin/agents/${member.id}`, { role: 'admin' })).statusCode).toBe(403);
    expect((await api(admin, 'PATCH', `/api/v1/admin/agents/${other.id}`, { phone: '+14155550199' })).statusCode).toBe(200);
  });
});
