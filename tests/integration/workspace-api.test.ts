import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { indexSearchFully } from '../../server/src/search/search-indexer.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';

let ctx: TestContext;
let agent: Awaited<ReturnType<typeof makeAgent>>;
let colleague: Awaited<ReturnType<typeof makeAgent>>;
let supervisor: Awaited<ReturnType<typeof makeAgent>>;
let token: string;
let supToken: string;
let queueId: number;

const KEY = 'test-inbound-key-0123456789';

async function login(a: { email: string; password: string }) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
  return r.json().token as string;
}

function api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, tok = token) {
  return ctx.app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${tok}` } });
}

async function inbound(body: Record<string, unknown>) {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': KEY }, payload: { text: 'hi', ...body } });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; customerId: number; interactionId: number; caseNumber: number };
}

beforeAll(async () => {
  ctx = await createTestContext();
  queueId = (await makeQueue(ctx.db.pool, { name: 'support' })).id;
  agent = await makeAgent(ctx.db.pool, { email: 'alice@example.test', name: 'Alice', queueIds: [queueId] });
  colleague = await makeAgent(ctx.db.pool, { email: 'bob.smith@example.test', name: 'Bob Smith', queueIds: [queueId] });
  supervisor = await makeAgent(ctx.db.pool, { role: 'supervisor' });
  token = await login(agent);
  supToken = await login(supervisor);
});
afterAll(async () => {
  await ctx.close();
});

async function assign(caseId: number, agentId: number) {
  await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned' WHERE id = $1`, [caseId, agentId]);
}

describe('workspace cases API', () => {
  it('lists my cases, shows one case and the customer timeline across channels, paged back', async () => {
    const sms = await inbound({ channel: 'sms', providerMessageId: 'w-1', from: { kind: 'phone', value: '+14155550100', name: 'Nina' }, text: 'sms question' });
    // the same person by email, then linked to the same customer by adding the identity and merging
    const mail = await inbound({ channel: 'email', providerMessageId: 'w-2', from: { kind: 'email', value: 'nina@example.com', name: 'Nina' }, subject: 'Router broken', text: 'my router is broken' });
    expect(mail.customerId).not.toBe(sms.customerId);
    // merging customers is a supervisor's call
    const merged = await api('POST', `/api/v1/customers/${mail.customerId}/merge`, { sourceId: sms.customerId }, supToken);
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json().identities.map((i: { value: string }) => i.value).sort()).toEqual(['+14155550100', 'nina@example.com']);
    await assign(mail.caseId, agent.id);

    const mine = await api('GET', '/api/v1/cases?view=mine');
    expect(mine.statusCode).toBe(200);
    expect(mine.json().cases.map((c: { id: number }) => c.id)).toEqual([mail.caseId]);
    expect(mine.json().cases[0].unread).toBe(true);

    const one = await api('GET', `/api/v1/cases/${mail.caseId}`);
    expect(one.json().case).toMatchObject({ subject: 'Router broken', channel: 'email', assigneeName: 'Alice', customerName: 'Nina' });
    // opening the case marks it read
    expect((await api('GET', '/api/v1/cases?view=mine')).json().cases[0].unread).toBe(false);

    for (let i = 0; i < 5; i++) await inbound({ channel: 'sms', providerMessageId: `w-more-${i}`, from: { kind: 'phone', value: '+14155550100' }, text: `more ${i}` });
    const p1 = await api('GET', `/api/v1/cases/${mail.caseId}/timeline?limit=4`);
    expect(p1.statusCode).toBe(200);
    const page1 = p1.json();
    expect(page1.items).toHaveLength(4);
    expect(page1.items[0].text).toBe('more 4');
    const p2 = (await api('GET', `/api/v1/cases/${mail.caseId}/timeline?limit=4&before=${encodeURIComponent(page1.nextBefore)}`)).json();
    expect(p2.nextBefore).toBeNull();
    const all = [...page1.items, ...p2.items];
    expect(all.map((i: { text: string }) => i.text)).toContain('sms question');
    expect(new Set(all.map((i: { channel: string }) => i.channel))).toEqual(new Set(['sms', 'email']));
    expect(new Set(all.map((i: { id: number }) => i.id)).size).toBe(7);
  });

  it('changes priority, type and tags; solving needs a note; pending needs a reminder date', async () => {
    const c = await inbound({ channel: 'email', providerMessageId: 'w-3', from: { kind: 'email', value: 'omid@example.com' }, subject: 'Bad service', text: 'complaint' });
    await assign(c.caseId, agent.id);
    const p = await api('PATCH', `/api/v1/cases/${c.caseId}`, { priority: 'urgent', type: 'complaint', tags: ['Billing', 'billing', 'refund'] });
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json().case).toMatchObject({ priority: 'urgent', type: 'complaint', tags: ['billing', 'refund'] });

    const noNote = await api('POST', `/api/v1/cases/${c.caseId}/status`, { status: 'solved' });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().message).toMatch(/resolution note/);
    const noDate = await api('POST', `/api/v1/cases/${c.caseId}/status`, { status: 'pending' });
    expect(noDate.statusCode).toBe(400);

    const when = new Date(Date.now() + 86_400_000).toISOString();
    const pend = await api('POST', `/api/v1/cases/${c.caseId}/status`, { status: 'pending', pendingUntil: when });
    expect(pend.json().case).toMatchObject({ status: 'pending', pendingUntil: when });
    const solved = await api('POST', `/api/v1/cases/${c.caseId}/status`, { status: 'solved', resolutionNote: 'Refunded the double charge' });
    expect(solved.json().case).toMatchObject({ status: 'solved', resolutionNote: 'Refunded the double charge', pendingUntil: null });
    const ev = await ctx.db.pool.query(`SELECT type FROM case_events WHERE case_id = $1 AND type IN ('priority_changed', 'solved', 'status_changed') ORDER BY id`, [c.caseId]);
    expect(ev.rows.map((r) => r.type)).toEqual(['priority_changed', 'status_changed', 'status_changed', 'solved']);
  });

  it('links and merges cases of one customer; merged case points to the target and its messages move', async () => {
    const a = await inbound({ channel: 'email', providerMessageId: 'w-4', from: { kind: 'email', value: 'sam@example.com' }, subject: 'First', text: 'one' });
    const b = await inbound({ channel: 'sms', providerMessageId: 'w-5', from: { kind: 'phone', value: '+14155550111' }, text: 'two' });
    const other = await inbound({ channel: 'email', providerMessageId: 'w-6', from: { kind: 'email', value: 'zed@example.com' }, subject: 'Other', text: 'x' });
    const link = await api('POST', `/api/v1/cases/${a.caseId}/links`, { number: other.caseNumber });
    expect(link.json().links).toEqual([expect.objectContaining({ caseId: other.caseId, kind: 'related' })]);
    // merging closes the source case: the holder or a supervisor does it; different customers cannot be merged as cases
    expect((await api('POST', `/api/v1/cases/${b.caseId}/merge`, { caseId: a.caseId })).statusCode).toBe(403);
    expect((await api('POST', `/api/v1/cases/${b.caseId}/merge`, { caseId: a.caseId }, supToken)).statusCode).toBe(400);
    await api('POST', `/api/v1/customers/${a.customerId}/merge`, { sourceId: b.customerId }, supToken);
    const m = await api('POST', `/api/v1/cases/${b.caseId}/merge`, { caseId: a.caseId }, supToken);
    expect(m.statusCode, m.body).toBe(200);
    const src = (await api('GET', `/api/v1/cases/${b.caseId}`)).json().case;
    expect(src).toMatchObject({ status: 'closed', mergedIntoId: a.caseId });
    const moved = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions WHERE case_id = $1`, [a.caseId]);
    expect(moved.rows[0].n).toBe(2);
  });

  it('transfers to an agent or back to a queue', async () => {
    const c = await inbound({ channel: 'email', providerMessageId: 'w-7', from: { kind: 'email', value: 'tr@example.com' }, subject: 'Transfer me', text: 'x' });
    await assign(c.caseId, agent.id);
    // the workspace sends toAgentId / toQueueId; agentId / queueId are accepted too
    const t = await api('POST', `/api/v1/cases/${c.caseId}/transfer`, { toAgentId: colleague.id });
    expect(t.statusCode, t.body).toBe(200);
    expect(t.json().case).toMatchObject({ assigneeId: colleague.id, assigneeName: 'Bob Smith', routingState: 'assigned' });
    // the agent no longer holds it: only the holder or a supervisor may move it on
    expect((await api('POST', `/api/v1/cases/${c.caseId}/transfer`, { queueId })).statusCode).toBe(403);
    const q = await api('POST', `/api/v1/cases/${c.caseId}/transfer`, { queueId }, supToken);
    expect(q.json().case).toMatchObject({ assigneeId: null, routingState: 'waiting', queueId });
    expect((await api('POST', `/api/v1/cases/${c.caseId}/transfer`, {}, supToken)).statusCode).toBe(400);
    // the queue view is for supervisors and lists the waiting case
    expect((await api('GET', '/api/v1/cases?view=queue')).statusCode).toBe(403);
    const qv = await api('GET', '/api/v1/cases?view=queue', undefined, supToken);
    expect(qv.json().cases.map((x: { id: number }) => x.id)).toContain(c.caseId);
  });

  it('notes with @mentions notify the mentioned agent only', async () => {
    const c = await inbound({ channel: 'email', providerMessageId: 'w-8', from: { kind: 'email', value: 'men@example.com' }, subject: 'Mention', text: 'x' });
    const r = await api('POST', `/api/v1/cases/${c.caseId}/messages`, { internal: true, text: 'Can you check this, @bob.smith? cc @alice @nobody' });
    expect(r.statusCode, r.body).toBe(201);
    const bobToken = await login(colleague);
    // (Bob's bell also holds the case Alice transferred to him above: mentions only here)
    const mentions = (items: { kind: string; id: number }[]) => items.filter((x) => x.kind === 'mention');
    const n = mentions((await api('GET', '/api/v1/notifications', undefined, bobToken)).json().items);
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ caseId: c.caseId, actorName: 'Alice', readAt: null });
    // the author is not notified of their own mention
    expect(mentions((await api('GET', '/api/v1/notifications')).json().items)).toHaveLength(0);
    await api('POST', `/api/v1/notifications/${n[0].id}/read`, {}, bobToken);
    const after = (await api('GET', '/api/v1/notifications', undefined, bobToken)).json().items;
    expect(after.find((x: { id: number }) => x.id === n[0].id).readAt).not.toBeNull();
  });
});

describe('customers API', () => {
  it('updates the profile and adds/removes identities with normalisation and ownership checks', async () => {
    const c = await inbound({ channel: 'email', providerMessageId: 'cu-1', from: { kind: 'email', value: 'lena@example.com', name: 'Lena' }, subject: 's', text: 't' });
    const u = await api('PATCH', `/api/v1/customers/${c.customerId}`, { tier: 'vip', language: 'fa', tags: ['Gold'], notes: 'prefers SMS' });
    expect(u.json()).toMatchObject({ tier: 'vip', language: 'fa', tags: ['gold'], notes: 'prefers SMS' });
    const add = await api('POST', `/api/v1/customers/${c.customerId}/identities`, { kind: 'phone', value: '(415) 555-0177' });
    expect(add.statusCode, add.body).toBe(201);
    const phone = add.json().identities.find((i: { kind: string }) => i.kind === 'phone');
    expect(phone.value).toBe('+14155550177');
    expect((await api('POST', `/api/v1/customers/${c.customerId}/identities`, { kind: 'email', value: 'not-an-email' })).statusCode).toBe(400);
    const taken = await api('POST', `/api/v1/customers/${c.customerId}/identities`, { kind: 'email', value: 'zed@example.com' });
    expect(taken.statusCode).toBe(409);
    const del = await api('DELETE', `/api/v1/customers/${c.customerId}/identities/${phone.id}`);
    expect(del.json().identities.map((i: { kind: string }) => i.kind)).toEqual(['email']);
  });
});

describe('search', () => {
  it('finds customers by name, email and phone fragments and cases by number, subject and message text', async () => {
    const c = await inbound({ channel: 'email', providerMessageId: 's-1', from: { kind: 'email', value: 'parisa.rahimi@example.com', name: 'Parisa Rahimi' }, subject: 'Modem keeps rebooting', text: 'The flux capacitor light blinks red' });
    await inbound({ channel: 'sms', providerMessageId: 's-2', from: { kind: 'phone', value: '+14155550199', name: 'Kian' }, text: 'hello' });
    const s = async (q: string) => { const r = await api('GET', `/api/v1/search?q=${encodeURIComponent(q)}`); expect(r.statusCode, r.body).toBe(200); return r.json(); };
    expect((await s('rahimi')).customers.map((x: { name: string }) => x.name)).toEqual(['Parisa Rahimi']);
    expect((await s('parisa.rahimi@')).customers).toHaveLength(1);
    expect((await s('555-0199')).customers.map((x: { name: string }) => x.name)).toEqual(['Kian']);
    expect((await s(String(c.caseNumber))).cases[0].id).toBe(c.caseId);
    expect((await s('#' + c.caseNumber)).cases[0].id).toBe(c.caseId);
    expect((await s('rebooting')).cases.map((x: { id: number }) => x.id)).toEqual([c.caseId]);
    const byText = await s('capacitor');
    expect(byText.cases[0]).toMatchObject({ id: c.caseId });
    expect(byText.cases[0].snippet).toMatch(/flux capacitor/);
    expect(await s('x')).toEqual({ customers: [], cases: [] });
    // a % in the query is literal, not a wildcard
    expect((await s('%%')).customers).toEqual([]);
  });

  it('finds a message committed a moment ago before and after the search indexer ran, and an edited subject at once', async () => {
    const c = await inbound({ channel: 'api', providerMessageId: 'fresh-1', from: { kind: 'api', value: 'fresh-sender-7731' }, subject: 'Quasar invoice', text: 'The zeppelin shipment never arrived' });
    const s = async (q: string) => { const r = await api('GET', `/api/v1/search?q=${encodeURIComponent(q)}`); expect(r.statusCode, r.body).toBe(200); return r.json(); };
    const found = async () => ({
      subject: (await s('quasar')).cases.map((x: { id: number }) => x.id),
      text: (await s('zeppelin')).cases.map((x: { id: number }) => x.id),
      identity: (await s('sender-7731')).customers.map((x: { id: number }) => x.id),
    });
    const expected = { subject: [c.caseId], text: [c.caseId], identity: [c.customerId] };
    // not indexed yet: read directly above the watermark
    const side = await ctx.db.pool.query(`SELECT count(*)::int n FROM interaction_search WHERE interaction_id = $1`, [c.interactionId]);
    expect(side.rows[0].n).toBe(0);
    expect(await found()).toEqual(expected);
    // indexed: read from the side tables, once each (no duplicate hits from the direct read)
    expect(await indexSearchFully(ctx.db.pool)).toBeGreaterThanOrEqual(3);
    expect((await ctx.db.pool.query(`SELECT count(*)::int n FROM interaction_search WHERE interaction_id = $1`, [c.interactionId])).rows[0].n).toBe(1);
    expect(await found()).toEqual(expected);
    // an edited subject is searchable at once (its side row follows in the edit's transaction)
    const patch = await api('PATCH', `/api/v1/cases/${c.caseId}`, { subject: 'Nebula refund' });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await s('nebula')).cases.map((x: { id: number }) => x.id)).toEqual([c.caseId]);
    const sideRow = await ctx.db.pool.query(`SELECT subject_lower FROM case_subject_search WHERE case_id = $1`, [c.caseId]);
    expect(sideRow.rows).toEqual([{ subject_lower: 'nebula refund' }]);
  });

  it('uses the trigram indexes for customer and subject lookups', async () => {
    const client = await ctx.db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = (await client.query(`EXPLAIN SELECT id FROM customers WHERE lower(name) LIKE '%rahimi%'`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/customers_name_trgm_idx/);
      // subjects, identities and message text are indexed on the search side tables (migration 0912)
      const plan2 = (await client.query(`EXPLAIN SELECT case_id FROM case_subject_search WHERE subject_lower LIKE '%modem%'`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan2).toMatch(/case_subject_search_trgm_idx/);
      const plan3 = (await client.query(`EXPLAIN SELECT identity_id FROM identity_search WHERE value LIKE '%0199%'`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan3).toMatch(/identity_search_trgm_idx/);
      const plan4 = (await client.query(`EXPLAIN SELECT interaction_id FROM interaction_search WHERE doc @@ plainto_tsquery('simple', 'capacitor')`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan4).toMatch(/interaction_search_doc_idx/);
    } finally {
      client.release();
    }
  });
});

describe('canned responses', () => {
  it('lists shared defaults, lets agents add their own and only supervisors add shared ones', async () => {
    const list = (await api('GET', '/api/v1/canned-responses?language=en')).json().items;
    expect(list.map((x: { shortcut: string }) => x.shortcut)).toEqual(expect.arrayContaining(['hello', 'thanks']));
    const own = await api('POST', '/api/v1/canned-responses', { shortcut: 'refund', title: 'Refund', body: 'Refund for {{case.ref}} is on its way' });
    expect(own.statusCode, own.body).toBe(201);
    expect((await api('POST', '/api/v1/canned-responses', { shortcut: 'refund', title: 'x', body: 'y' })).statusCode).toBe(409);
    expect((await api('POST', '/api/v1/canned-responses', { shortcut: 'shared1', title: 'x', body: 'y', shared: true })).statusCode).toBe(403);
    expect((await api('POST', '/api/v1/canned-responses', { shortcut: 'shared1', title: 'x', body: 'y', shared: true }, supToken)).statusCode).toBe(201);
    // someone else's private response is invisible to the supervisor
    const supList = (await api('GET', '/api/v1/canned-responses', undefined, supToken)).json().items;
    expect(supList.map((x: { shortcut: string }) => x.shortcut)).not.toContain('refund');
    // each change is in the audit log with who made it
    expect((await api('DELETE', `/api/v1/canned-responses/${own.json().id}`)).statusCode).toBe(200);
    const audit = await ctx.db.pool.query(`SELECT action, actor_id FROM audit_log WHERE entity = 'canned_response' AND entity_id = $1 ORDER BY id`, [String(own.json().id)]);
    expect(audit.rows.map((r) => r.action)).toEqual(['create', 'delete']);
  });
});
