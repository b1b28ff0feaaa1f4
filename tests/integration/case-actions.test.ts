import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { listViewers, touchViewer, VIEWER_TTL_MS } from '../../server/src/realtime/case-viewers.js';
import type { CaseViewersPayload } from '../../server/src/contracts/realtime.js';

// Bulk actions, macros, split and collision detection against Postgres, Redis and real sockets.

let ctx: TestContext;
let base: string;
type Agent = Awaited<ReturnType<typeof makeAgent>>;
let alice: Agent;
let bob: Agent;
let sup: Agent;
let queueId: number;
let otherQueueId: number;
const tokens = new Map<number, string>();
const sockets: Socket[] = [];
const KEY = 'test-inbound-key-0123456789';
let seq = 0;

function api(who: Agent, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return ctx.app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${tokens.get(who.id)}` } });
}

async function inbound(body: Record<string, unknown> = {}) {
  seq++;
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/inbound',
    headers: { 'x-api-key': KEY },
    payload: { channel: 'sms', providerMessageId: `ca-${seq}`, from: { kind: 'phone', value: `+1415555${String(1000 + seq).slice(-4)}`, name: `Customer ${seq}` }, text: `message ${seq}`, ...body },
  });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { caseId: number; customerId: number; interactionId: number; caseNumber: number };
}

const auditOf = async (caseId: number) =>
  (await ctx.db.pool.query(`SELECT action FROM audit_log WHERE entity = 'case' AND entity_id = $1 ORDER BY id`, [String(caseId)])).rows.map((r) => r.action);
const caseRow = async (id: number) => (await ctx.db.pool.query(`SELECT * FROM cases WHERE id = $1`, [id])).rows[0];
const holdBy = (caseId: number, agentId: number) => ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE id = $1`, [caseId, agentId]);

function openSocket(who: Agent): Promise<Socket> {
  const s = connect(`${base}/agent`, { auth: { token: tokens.get(who.id) }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.on('connect', () => resolve(s));
    s.on('connect_error', reject);
  });
}
/** The next `case:viewers` for a case that satisfies `until`. */
function viewersOn(s: Socket, caseId: number, until: (names: string[]) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no matching case:viewers')), 10_000);
    const on = (p: CaseViewersPayload) => {
      const names = p.viewers.map((v) => v.name);
      if (p.caseId === caseId && until(names)) {
        clearTimeout(t);
        s.off('case:viewers', on);
        resolve(names);
      }
    };
    s.on('case:viewers', on);
  });
}

beforeAll(async () => {
  ctx = await createTestContext();
  base = await listenLocally(ctx);
  queueId = (await makeQueue(ctx.db.pool, { name: 'support', isDefault: true })).id;
  otherQueueId = (await makeQueue(ctx.db.pool, { name: 'escalations' })).id;
  alice = await makeAgent(ctx.db.pool, { name: 'Alice', email: 'alice@example.test', queueIds: [queueId] });
  bob = await makeAgent(ctx.db.pool, { name: 'Bob', email: 'bob@example.test', queueIds: [queueId] });
  sup = await makeAgent(ctx.db.pool, { name: 'Sue', role: 'supervisor' });
  for (const a of [alice, bob, sup]) {
    const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
    tokens.set(a.id, r.json().token);
  }
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await ctx.close();
});

describe('bulk actions', () => {
  it('assigns a selection through the lifecycle, one audit entry and one assignment event per case', async () => {
    const ids = [(await inbound()).caseId, (await inbound()).caseId, (await inbound()).caseId];
    const r = await api(sup, 'POST', '/api/v1/cases/bulk', { caseIds: ids, action: { kind: 'assign', agentId: alice.id } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ done: 3, failed: 0 });
    for (const id of ids) {
      expect(await caseRow(id)).toMatchObject({ assignee_id: alice.id, routing_state: 'assigned', status: 'open' });
      expect(await auditOf(id)).toEqual(['case.bulk.assign']);
      const ev = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'assigned'`, [id]);
      expect(ev.rows[0].n).toBe(1);
    }
  });

  it('answers per case: an agent changes the status only of cases they hold, solving needs a note', async () => {
    const held = (await inbound()).caseId;
    const notHeld = (await inbound()).caseId;
    await holdBy(held, bob.id);
    const noNote = await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [held, notHeld], action: { kind: 'status', status: 'solved' } });
    expect(noNote.json().results).toEqual([
      expect.objectContaining({ caseId: held, ok: false, status: 400 }),
      expect.objectContaining({ caseId: notHeld, ok: false, status: 403 }),
    ]);
    const solved = await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [held, notHeld], action: { kind: 'status', status: 'solved', resolutionNote: 'answered by phone' } });
    expect(solved.json()).toMatchObject({ done: 1, failed: 1 });
    expect(await caseRow(held)).toMatchObject({ status: 'solved', resolution_note: 'answered by phone', routing_state: 'none' });
    expect((await caseRow(notHeld)).status).toBe('new');
    expect(await auditOf(held)).toEqual(['case.bulk.status']);
    expect(await auditOf(notHeld)).toEqual([]);
    // a case the agent may not read at all is "not found", exactly like a missing one
    const elsewhere = (await inbound({ queue: 'escalations' })).caseId;
    const hidden = await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [elsewhere, 99_999_999], action: { kind: 'tags', add: ['x'] } });
    expect(hidden.json().results.map((x: { status: number }) => x.status)).toEqual([404, 404]);
  });

  it('tags and type need only read access; priority re-ranks a waiting case; a queue transfer puts it back in line there', async () => {
    const a = await inbound();
    const b = await inbound();
    const tagged = await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [a.caseId, b.caseId], action: { kind: 'tags', add: ['Billing', 'vip'] } });
    expect(tagged.json()).toMatchObject({ done: 2 });
    expect((await caseRow(a.caseId)).tags).toEqual(['billing', 'vip']);
    await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [a.caseId], action: { kind: 'tags', remove: ['vip'] } });
    expect((await caseRow(a.caseId)).tags).toEqual(['billing']);
    await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [a.caseId], action: { kind: 'type', type: 'complaint' } });
    expect((await caseRow(a.caseId)).type).toBe('complaint');
    expect(await auditOf(a.caseId)).toEqual(['case.bulk.tags', 'case.bulk.tags', 'case.bulk.type']);

    const before = (await caseRow(b.caseId)).routing_priority;
    expect((await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: [b.caseId], action: { kind: 'priority', priority: 'urgent' } })).json().results[0].status).toBe(403);
    await api(sup, 'POST', '/api/v1/cases/bulk', { caseIds: [b.caseId], action: { kind: 'priority', priority: 'urgent' } });
    const after = await caseRow(b.caseId);
    expect(after.priority).toBe('urgent');
    expect(after.routing_priority).toBeLessThan(before);

    const firstQueued = after.first_queued_at;
    await api(sup, 'POST', '/api/v1/cases/bulk', { caseIds: [b.caseId], action: { kind: 'queue', queueId: otherQueueId } });
    expect(await caseRow(b.caseId)).toMatchObject({ queue_id: otherQueueId, routing_state: 'waiting', first_queued_at: firstQueued });
    expect(await auditOf(b.caseId)).toEqual(['case.bulk.tags', 'case.bulk.priority', 'case.bulk.queue']);
  });

  it('merges a selection into one case of the same customer, refusing another customer’s case', async () => {
    const first = await inbound();
    const second = await ctx.db.pool.query(`INSERT INTO cases (customer_id, subject, channel, queue_id, tags) VALUES ($1, 'again', 'email', $2, '{followup}') RETURNING id`, [first.customerId, queueId]);
    const stranger = await inbound();
    const r = await api(sup, 'POST', '/api/v1/cases/bulk', { caseIds: [first.caseId, second.rows[0].id, stranger.caseId], action: { kind: 'merge', targetId: first.caseId } });
    expect(r.json().results.map((x: { ok: boolean; status: number }) => [x.ok, x.status])).toEqual([[true, 200], [true, 200], [false, 400]]);
    expect(await caseRow(second.rows[0].id)).toMatchObject({ merged_into_id: first.caseId, status: 'closed' });
    expect((await caseRow(first.caseId)).tags).toContain('followup');
    expect(await auditOf(second.rows[0].id)).toEqual(['merge']);
  });
});

describe('macros', () => {
  it('runs a personal macro: its actions in one transaction with one audit entry, then the reply in the customer’s language', async () => {
    const c = await inbound({ from: { kind: 'phone', value: '+14155559001', name: 'Reza' }, language: 'fa' });
    await holdBy(c.caseId, alice.id);
    const m = await api(alice, 'POST', '/api/v1/macros', {
      name: 'Refund sent',
      actions: [{ kind: 'status', status: 'pending', pendingHours: 48 }, { kind: 'tags', add: ['refund'] }, { kind: 'priority', priority: 'high' }],
      reply: { en: 'Hello {{customer.name}}, your refund for {{case.ref}} is on its way. {{agent.name}}', fa: 'سلام {{customer.name}}، بازپرداخت {{case.ref}} انجام شد. {{agent.name}}' },
    });
    expect(m.statusCode, m.body).toBe(201);
    expect(m.json()).toMatchObject({ shared: false, editable: true });
    const r = await api(alice, 'POST', `/api/v1/cases/${c.caseId}/macros/${m.json().id}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().replyError).toBeNull();
    const row = await caseRow(c.caseId);
    expect(row).toMatchObject({ status: 'pending', priority: 'high', tags: ['refund'] });
    const hours = (new Date(row.pending_until).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(47.9);
    expect(await auditOf(c.caseId)).toEqual(['case.macro']);
    const sent = await ctx.db.pool.query(`SELECT text, direction, author_agent_id FROM interactions WHERE id = $1`, [r.json().interactionId]);
    expect(sent.rows[0]).toMatchObject({ direction: 'outbound', author_agent_id: alice.id, text: `سلام Reza، بازپرداخت #${c.caseNumber} انجام شد. Alice` });

    // someone else's personal macro is unknown to them
    expect((await api(bob, 'GET', '/api/v1/macros')).json().macros.map((x: { name: string }) => x.name)).not.toContain('Refund sent');
    const other = await inbound();
    await holdBy(other.caseId, bob.id);
    expect((await api(bob, 'POST', `/api/v1/cases/${other.caseId}/macros/${m.json().id}`)).statusCode).toBe(404);
  });

  it('shared macros are kept by supervisors and run in bulk; a macro that changes status needs the holder', async () => {
    const macro = { name: 'Escalate', actions: [{ kind: 'tags', add: ['escalated'] }], reply: { en: 'Escalated {{case.ref}}' }, replyInternal: true, shared: true };
    expect((await api(alice, 'POST', '/api/v1/macros', macro)).statusCode).toBe(403);
    const m = await api(sup, 'POST', '/api/v1/macros', macro);
    expect(m.statusCode).toBe(201);
    expect((await api(bob, 'GET', '/api/v1/macros')).json().macros).toContainEqual(expect.objectContaining({ name: 'Escalate', shared: true, editable: false }));
    expect((await api(bob, 'PUT', `/api/v1/macros/${m.json().id}`, { ...macro, name: 'mine' })).statusCode).toBe(403);

    const ids = [(await inbound()).caseId, (await inbound()).caseId];
    const r = await api(bob, 'POST', '/api/v1/cases/bulk', { caseIds: ids, action: { kind: 'macro', macroId: m.json().id } });
    expect(r.json()).toMatchObject({ done: 2, failed: 0 });
    for (const id of ids) {
      expect((await caseRow(id)).tags).toEqual(['escalated']);
      expect(await auditOf(id)).toEqual(['case.macro']);
      const note = await ctx.db.pool.query(`SELECT text FROM interactions WHERE case_id = $1 AND direction = 'internal'`, [id]);
      expect(note.rows.map((x) => x.text)).toEqual([`Escalated #${(await caseRow(id)).number}`]);
    }

    const closer = await api(sup, 'POST', '/api/v1/macros', { name: 'Close', shared: true, actions: [{ kind: 'status', status: 'closed' }] });
    const notMine = (await inbound()).caseId;
    expect((await api(bob, 'POST', `/api/v1/cases/${notMine}/macros/${closer.json().id}`)).statusCode).toBe(403);
    expect((await caseRow(notMine)).status).toBe('new');
  });
});

describe('split', () => {
  it('moves one message with its attachments to a new case of the same customer, with events on both', async () => {
    const first = await inbound({ from: { kind: 'phone', value: '+14155559100' }, text: 'my router is broken' });
    const second = await inbound({ from: { kind: 'phone', value: '+14155559100' }, text: 'also, change my billing address' });
    expect(second.caseId).toBe(first.caseId);
    const att = await ctx.db.pool.query(
      `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key) VALUES ($1, 'form.pdf', 'application/pdf', 10, 'x', 'k') RETURNING id`,
      [second.interactionId],
    );
    await holdBy(first.caseId, alice.id);
    expect((await api(bob, 'POST', `/api/v1/cases/${first.caseId}/split`, { interactionId: second.interactionId })).statusCode).toBe(403);
    const r = await api(alice, 'POST', `/api/v1/cases/${first.caseId}/split`, { interactionId: second.interactionId, subject: 'Billing address' });
    expect(r.statusCode, r.body).toBe(200);
    const nc = r.json().caseId as number;
    expect(await caseRow(nc)).toMatchObject({ customer_id: first.customerId, subject: 'Billing address', routing_state: 'waiting', queue_id: queueId, status: 'new' });
    const moved = await ctx.db.pool.query(`SELECT i.case_id, t.id AS att FROM interactions i JOIN attachments t ON t.interaction_id = i.id WHERE i.id = $1`, [second.interactionId]);
    expect(moved.rows.map((x) => [Number(x.case_id), x.att])).toEqual([[nc, att.rows[0].id]]);
    const left = await ctx.db.pool.query(`SELECT id FROM interactions WHERE case_id = $1`, [first.caseId]);
    expect(left.rows.map((x) => Number(x.id))).toEqual([first.interactionId]);
    const evSource = await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'updated'`, [first.caseId]);
    expect(evSource.rows.map((x) => x.data)).toContainEqual({ splitTo: nc, interactionId: second.interactionId });
    const evNew = await ctx.db.pool.query(`SELECT type, data FROM case_events WHERE case_id = $1 ORDER BY id`, [nc]);
    expect(evNew.rows[0]).toEqual({ type: 'created', data: { splitFrom: first.caseId, interactionId: second.interactionId } });
    expect(await auditOf(first.caseId)).toEqual(['case.split']);
    // the only message left cannot be split out
    expect((await api(alice, 'POST', `/api/v1/cases/${first.caseId}/split`, { interactionId: first.interactionId })).statusCode).toBe(409);
  });
});

describe('collision detection', () => {
  it('a reply drafted before a newer customer message or another agent’s reply is refused with 409 and what changed, unless confirmed', async () => {
    const c = await inbound({ from: { kind: 'phone', value: '+14155559200' }, text: 'hello?' });
    await holdBy(c.caseId, alice.id);
    const send = (who: Agent, seenUpToId: number, extra: Record<string, unknown> = {}) =>
      api(who, 'POST', `/api/v1/cases/${c.caseId}/messages`, { text: 'Hi, checking now', seenUpToId, ...extra });
    const ok = await send(alice, c.interactionId);
    expect(ok.statusCode, ok.body).toBe(201);
    // her own reply since the draft began is no news to her
    expect((await send(alice, c.interactionId)).statusCode).toBe(201);

    const newer = await inbound({ from: { kind: 'phone', value: '+14155559200' }, text: 'never mind, it works now' });
    const refused = await send(alice, c.interactionId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().details).toMatchObject({ reason: 'case_changed', changes: [{ interactionId: newer.interactionId, direction: 'inbound', text: 'never mind, it works now' }] });
    expect((await send(alice, c.interactionId, { confirm: true })).statusCode).toBe(201);

    const seen = (await ctx.db.pool.query(`SELECT max(id)::int AS id FROM interactions WHERE case_id = $1`, [c.caseId])).rows[0].id;
    expect((await api(bob, 'POST', `/api/v1/cases/${c.caseId}/messages`, { text: 'I had answered already' })).statusCode).toBe(201);
    const byBob = await send(alice, seen);
    expect(byBob.statusCode).toBe(409);
    expect(byBob.json().details.changes).toEqual([expect.objectContaining({ direction: 'outbound', authorName: 'Bob' })]);
    // internal notes are not a collision (they are not sent to anyone)
    expect((await send(alice, seen, { internal: true })).statusCode).toBe(201);
  });

  it('shows live who else has the case open, drops those who leave, and lets a crashed node’s viewers expire', async () => {
    const c = await inbound();
    const a = await openSocket(alice);
    const b = await openSocket(bob);
    const aliceSeesHerself = viewersOn(a, c.caseId, (n) => n.includes('Alice'));
    a.emit('case:watch', c.caseId);
    expect(await aliceSeesHerself).toEqual(['Alice']);
    const aliceSeesBob = viewersOn(a, c.caseId, (n) => n.length === 2);
    const bobSeesBoth = viewersOn(b, c.caseId, (n) => n.length === 2);
    b.emit('case:watch', c.caseId);
    expect(await aliceSeesBob).toEqual(['Alice', 'Bob']);
    expect(await bobSeesBoth).toEqual(['Alice', 'Bob']);

    const bobGone = viewersOn(a, c.caseId, (n) => n.length === 1);
    b.disconnect();
    expect(await bobGone).toEqual(['Alice']);

    // a node that crashed never says goodbye: its socket's lease was last renewed long ago
    const store = { redis: ctx.app.queues.kv.redis, prefix: ctx.app.queues.kv.prefix };
    await touchViewer({ ...store, now: () => Date.now() - VIEWER_TTL_MS - 1000 }, c.caseId, { agentId: sup.id, name: 'Sue', socketId: 'dead-node-socket' });
    expect((await listViewers(store, c.caseId)).map((v) => v.name)).toEqual(['Alice']);
    // a live viewer's heartbeat clears the lapsed entry and the room hears the list again
    const raw = await ctx.app.queues.kv.redis.zcard(`${store.prefix}:case-viewers:${c.caseId}`);
    expect(raw).toBe(2);
    const refreshed = viewersOn(a, c.caseId, (n) => n.length === 1);
    a.emit('case:here', c.caseId);
    expect(await refreshed).toEqual(['Alice']);
    expect(await ctx.app.queues.kv.redis.zcard(`${store.prefix}:case-viewers:${c.caseId}`)).toBe(1);
  });

  it('typing on a case reaches the others watching it', async () => {
    const c = await inbound();
    const a = await openSocket(alice);
    const b = await openSocket(bob);
    await new Promise((r) => a.emit('case:watch', c.caseId, r));
    await new Promise((r) => b.emit('case:watch', c.caseId, r));
    const typing = new Promise((resolve) => a.on('typing', resolve));
    b.emit('typing', { caseId: c.caseId, typing: true });
    expect(await typing).toMatchObject({ caseId: c.caseId, from: 'agent', agentId: bob.id, name: 'Bob', typing: true });
  });

  it('case changes nudge every agent to recount their views', async () => {
    const s = await openSocket(bob);
    const nudged = new Promise((resolve) => s.on('views:changed', resolve));
    const c = await inbound();
    await api(sup, 'POST', '/api/v1/cases/bulk', { caseIds: [c.caseId], action: { kind: 'assign', agentId: alice.id } });
    expect(await nudged).toMatchObject({ at: expect.any(String) });
  });
});
