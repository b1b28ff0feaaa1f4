import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, until, caseEvents, type Harness } from '../helpers/routing-harness.js';
import { withdrawCase } from '../../server/src/lifecycle/withdraw.js';
import { NAMESPACES, rooms } from '../../server/src/contracts/realtime.js';
import { releaseLongOfflineAssignments } from '../../server/src/lifecycle/presence.js';
import { agentStats, queueStats } from '../../server/src/routing/stats.js';
import { auditLeaselessAgents, lastDisconnectKey, renewLeases, scheduleLeaseAudit, sweepDeadLeases } from '../../server/src/lifecycle/leases.js';
import { makeAgent } from '../helpers/factories.js';

// Offer timeouts of 400 ms for live channels, a 300 ms disconnect grace and 2 s presence leases renewed every second keep this file quick.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    ROUTING_OFFER_TIMEOUT_LIVE_MS: '400',
    PRESENCE_GRACE_MS: '300',
    ROUTING_REOFFER_COOLDOWN_MS: '60000',
    PRESENCE_LEASE_SECONDS: '2',
    PRESENCE_HEARTBEAT_SECONDS: '1',
  });
});
afterAll(async () => {
  await h?.close();
});

const presenceOf = async (id: number) => (await h.ctx.db.pool.query(`SELECT presence FROM agents WHERE id = $1`, [id])).rows[0].presence;
const presenceLog = async (id: number) =>
  (await h.ctx.db.pool.query(`SELECT presence, reason FROM agent_presence_log WHERE agent_id = $1 ORDER BY id`, [id])).rows;

describe('offers', () => {
  it('a timed-out offer goes to the next agent; two timeouts in a row set the agent Away', async () => {
    const q = await h.queue();
    const slow = await h.agent({ queueIds: [q.id], available: true });
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '1 hour' WHERE id = $1`, [slow.id]);
    const other = await h.agent({ queueIds: [q.id], available: true });

    const c1 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o1 = await slow.nextOffer();
    expect(o1.case.id).toBe(c1);
    const r1 = await until(() => slow.rescinded.find((r) => r.offerId === o1.offerId), 'rescinded on timeout', 3000);
    expect(r1.reason).toBe('timeout');
    const o1b = await other.nextOffer();
    expect(o1b.case.id).toBe(c1);
    expect(await presenceOf(slow.id)).toBe('available');

    const c2 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o2 = await slow.nextOffer((o) => o.case.id === c2);
    await until(() => slow.rescinded.find((r) => r.offerId === o2.offerId), 'second timeout', 3000);
    await until(async () => (await presenceOf(slow.id)) === 'away', 'agent away', 3000);
    expect((await presenceLog(slow.id)).at(-1)).toEqual({ presence: 'away', reason: 'missed_offers' });
    await until(() => slow.presence.at(-1)?.presence === 'away', 'presence event away');
    const ev = (await caseEvents(h.ctx.db.pool, c2)).map((e) => e.type);
    expect(ev).toEqual(expect.arrayContaining(['offered', 'timed_out', 'requeued']));
    await other.setPresence('offline');
  });

  it('accept is idempotent by offer id, and an accept that arrives after the offer timed out is not a missed offer', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    const o = await a.nextOffer();
    expect(await a.accept(o.offerId)).toEqual({ ok: true, caseId: c });
    // the first answer was lost (server restarting): the UI asks again and gets the same answer
    expect(await a.accept(o.offerId)).toEqual({ ok: true, caseId: c });

    const c2 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o2 = await a.nextOffer((x) => x.case.id === c2);
    await until(() => a.rescinded.find((r) => r.offerId === o2.offerId), 'timed out', 3000);
    const c3 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o3 = await a.nextOffer((x) => x.case.id === c3);
    await until(() => a.rescinded.find((r) => r.offerId === o3.offerId), 'second timeout', 3000);
    await until(async () => (await presenceOf(a.id)) === 'away', 'away for missed offers', 3000);
    // the agent had pressed Accept; it only reached the server late
    expect(await a.accept(o3.offerId)).toEqual({ ok: false, reason: 'expired' });
    expect(await presenceOf(a.id)).toBe('available');
    expect((await presenceLog(a.id)).at(-1)).toEqual({ presence: 'available', reason: 'late_accept' });
    expect((await h.ctx.db.pool.query(`SELECT consecutive_timeouts FROM agents WHERE id = $1`, [a.id])).rows[0].consecutive_timeouts).toBe(0);
    await a.setPresence('offline');
  });

  it('after the grace only live work is re-routed; written cases stay with the offline agent (shown to supervisors) until ASSIGNMENT_KEEP_OFFLINE_MINUTES', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const mail = await h.inbound({ channel: 'email', queueId: q.id });
    expect((await a.accept((await a.nextOffer((x) => x.case.id === mail)).offerId)).ok).toBe(true);
    const chat = await h.inbound({ channel: 'chat', queueId: q.id });
    expect((await a.accept((await a.nextOffer((x) => x.case.id === chat)).offerId)).ok).toBe(true);
    a.socket.disconnect();
    await until(async () => (await presenceOf(a.id)) === 'offline', 'offline after grace', 10_000);
    const holder = async (id: number) => (await h.ctx.db.pool.query(`SELECT assignee_id FROM cases WHERE id = $1`, [id])).rows[0].assignee_id;
    expect(await holder(chat)).toBeNull();
    expect(await holder(mail)).toBe(a.id);
    expect((await agentStats(h.ctx.db.pool)).find((x) => x.agentId === a.id)).toMatchObject({ presence: 'offline', heldWhileOffline: 1 });
    expect((await queueStats(h.ctx.db.pool)).find((x) => x.queueId === q.id)).toMatchObject({ heldByOffline: 1 });

    // still within the keep window: nothing moves
    expect(await releaseLongOfflineAssignments(h.ctx.app.routingDeps)).toBe(0);
    await h.ctx.db.pool.query(`UPDATE agents SET presence_changed_at = now() - interval '241 minutes' WHERE id = $1`, [a.id]);
    expect(await releaseLongOfflineAssignments(h.ctx.app.routingDeps)).toBe(1);
    expect(await holder(mail)).toBeNull();
    expect((await h.ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [mail])).rows[0].routing_state).toBe('waiting');
  });

  it('an agent whose server node died (leases no longer renewed) goes Offline after the grace; its offer is withdrawn; live sockets are untouched', async () => {
    const q = await h.queue();
    const live = await h.agent({ queueIds: [q.id], available: true });
    const orphan = await makeAgent(h.ctx.db.pool, { queueIds: [q.id], presence: 'available' });
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '2 hours' WHERE id = $1`, [orphan.id]);
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() WHERE id = $1`, [live.id]);
    const redis = h.ctx.app.redis;
    const prefix = h.ctx.config.queuePrefix;
    // the node that held the orphan's socket renewed its lease for the last time a minute ago
    await renewLeases(redis, prefix, [{ agentId: orphan.id, socketId: 'socket-on-dead-node' }], Date.now() - 60_000);
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    const offered = await until(async () => (await h.ctx.db.pool.query(`SELECT agent_id FROM offers WHERE case_id = $1 AND status = 'pending'`, [c])).rows[0], 'offer to the orphan');
    expect(offered.agent_id).toBe(orphan.id);

    const gone = await sweepDeadLeases(h.ctx.app.routingDeps, redis, prefix, 300);
    expect(gone).toEqual([orphan.id]);
    expect(await presenceOf(orphan.id)).toBe('offline');
    expect((await presenceLog(orphan.id)).at(-1)).toEqual({ presence: 'offline', reason: 'connection_lost' });
    expect(await presenceOf(live.id)).toBe('available');
    // the case goes to the agent who is there
    const o = await live.nextOffer((x) => x.case.id === c, 5000);
    expect(o.case.id).toBe(c);
    // the live agent's socket holds a fresh lease, renewed by its node
    const score = Number(await redis.zscore(`${prefix}:presence:leases:${live.id}`, live.socket.id!));
    expect(score).toBeGreaterThan(Date.now());
    await live.setPresence('offline');
  });

  it('Redis lost its data while a node died: agents Postgres shows present without a lease go Offline once live nodes re-registered theirs', async () => {
    const q = await h.queue();
    const live = await h.agent({ queueIds: [q.id], available: true });
    // its node died while Redis was away: no lease anywhere any more, and no grace timer
    const orphan = await makeAgent(h.ctx.db.pool, { queueIds: [q.id], presence: 'available' });
    // disconnected just before: its grace timer (the last-disconnect mark) decides, not the audit
    const leaving = await makeAgent(h.ctx.db.pool, { queueIds: [q.id], presence: 'available' });
    const redis = h.ctx.app.redis;
    const prefix = h.ctx.config.queuePrefix;
    const deps = h.ctx.app.routingDeps;
    // this test's share of a Redis restarted empty (the shared Redis is not flushed): leases and the routers' sentinel gone
    const leaseKeys = await redis.keys(`${prefix}:presence:leases:*`);
    if (leaseKeys.length) await redis.del(...leaseKeys);
    await redis.del(`${prefix}:router:alive`);
    await redis.set(lastDisconnectKey(prefix, leaving.id), String(Date.now()), 'PX', 60_000);
    // the sweep of a dead lease finds nothing: no lease records
    expect(await sweepDeadLeases(deps, redis, prefix, 300)).toEqual([]);

    const noticedAt = Date.now();
    await scheduleLeaseAudit(deps, redis, prefix, noticedAt);
    // not due before live nodes had time to renew (max(grace, lease) = 2 s)
    expect(await auditLeaselessAgents(deps, redis, prefix, noticedAt + 1000)).toEqual([]);
    // the live agent's node re-registers its socket at the next heartbeat
    await until(async () => (await redis.zcard(`${prefix}:presence:leases:${live.id}`)) > 0, 'the live socket lease renewed', 3000);
    const gone = await auditLeaselessAgents(deps, redis, prefix, noticedAt + 2000);
    expect(gone).toEqual([orphan.id]);
    expect(await presenceOf(orphan.id)).toBe('offline');
    expect((await presenceLog(orphan.id)).at(-1)).toEqual({ presence: 'offline', reason: 'connection_lost' });
    expect(await presenceOf(live.id)).toBe('available');
    expect(await presenceOf(leaving.id)).toBe('available');
    // one audit per loss
    expect(await auditLeaselessAgents(deps, redis, prefix, noticedAt + 10_000)).toEqual([]);
    await live.setPresence('offline');
    await h.ctx.db.pool.query(`UPDATE agents SET presence = 'offline' WHERE id = $1`, [leaving.id]);
  });

  it('a decline sends the case to the next agent at once', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '1 hour' WHERE id = $1`, [a.id]);
    const b = await h.agent({ queueIds: [q.id], available: true });
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    const o = await a.nextOffer();
    expect((await a.decline(o.offerId)).ok).toBe(true);
    const ob = await b.nextOffer(() => true, 1000);
    expect(ob.case.id).toBe(c);
    // answering twice is refused
    expect(await a.accept(o.offerId)).toEqual({ ok: false, reason: 'declined' });
    await a.setPresence('offline');
    await b.setPresence('offline');
  });

  it('a disconnected agent keeps offers during the grace period, then goes Offline and the case is re-routed', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '1 hour' WHERE id = $1`, [a.id]);
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    const o = await a.nextOffer();
    a.socket.disconnect();
    // a reconnect within the grace period changes nothing and gets the pending offer again
    const again = await h.connect(a.id, a.token);
    const resent = await again.nextOffer();
    expect(resent.offerId).toBe(o.offerId);
    await new Promise((r) => setTimeout(r, 600));
    expect(await presenceOf(a.id)).toBe('available');

    const b = await h.agent({ queueIds: [q.id], available: true });
    again.socket.disconnect();
    await until(async () => (await presenceOf(a.id)) === 'offline', 'offline after grace', 10_000);
    expect((await presenceLog(a.id)).at(-1)).toEqual({ presence: 'offline', reason: 'disconnected' });
    const ob = await b.nextOffer();
    expect(ob.case.id).toBe(c);
    const ev = await caseEvents(h.ctx.db.pool, c);
    expect(ev.find((e) => e.type === 'rescinded')?.data.reason).toBe('agent_unavailable');
    await b.setPresence('offline');
  });

  it('an agent going offline puts the open cases they hold back in their place', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const c = await h.inbound({ channel: 'chat', queueId: q.id });
    const later = await h.inbound({ channel: 'chat', queueId: q.id, subject: 'later' });
    const o = await a.nextOffer((x) => x.case.id === c);
    await a.accept(o.offerId);
    await a.setPresence('offline');
    const q2 = await h.ctx.db.pool.query(`SELECT id FROM cases WHERE routing_state = 'waiting' AND queue_id = $1 ORDER BY routing_priority, first_queued_at`, [q.id]);
    expect(q2.rows.map((r) => r.id)).toEqual([c, later]);
  });

  it('withdraws the offer when the customer leaves while waiting, and records the abandonment', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const c = await h.inbound({ channel: 'chat', queueId: q.id });
    const o = await a.nextOffer();
    const res = await withdrawCase(h.ctx.app.routingDeps, c, 'customer_left');
    expect(res.withdrawn).toBe(true);
    const r = await until(() => a.rescinded.find((x) => x.offerId === o.offerId), 'rescind');
    expect(r).toEqual({ offerId: o.offerId, caseId: c, reason: 'customer_left' });
    const ev = await caseEvents(h.ctx.db.pool, c);
    expect(ev.at(-1)?.type).toBe('abandoned');
    expect(typeof ev.at(-1)?.data.waitedSeconds).toBe('number');
    expect(await h.ctx.app.queues.routing.getJob(`case-${c}`)).toBeUndefined();
    expect((await withdrawCase(h.ctx.app.routingDeps, c, 'customer_left')).withdrawn).toBe(false);
    await a.setPresence('offline');
  });
});

describe('REST for clients without sockets', () => {
  it('lists my offers, accepts and declines over HTTP, and reports presence with load', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 2 } });
    const auth = { authorization: `Bearer ${a.token}` };
    const set = await h.ctx.app.inject({ method: 'PUT', url: '/api/v1/agents/me/presence', headers: auth, payload: { presence: 'available' } });
    expect(set.statusCode).toBe(200);
    const c1 = await h.inbound({ channel: 'email', queueId: q.id });
    const c2 = await h.inbound({ channel: 'email', queueId: q.id });
    const list = await until(async () => {
      const r = await h.ctx.app.inject({ method: 'GET', url: '/api/v1/agents/me/offers', headers: auth });
      const body = r.json() as { offerId: string; case: { id: number } }[];
      return body.length === 2 ? body : null;
    }, 'two offers');
    const byCase = Object.fromEntries(list.map((o) => [o.case.id, o.offerId]));
    const acc = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/offers/${byCase[c1]}/accept`, headers: auth });
    expect(acc.json()).toEqual({ ok: true, caseId: c1 });
    const dec = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/offers/${byCase[c2]}/decline`, headers: auth, payload: { reason: 'not my area' } });
    expect(dec.statusCode).toBe(200);
    const again = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/offers/${byCase[c2]}/accept`, headers: auth });
    expect(again.statusCode).toBe(409);
    const bad = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/offers/not-a-uuid/accept`, headers: auth });
    expect(bad.statusCode).toBe(400);
    const me = await h.ctx.app.inject({ method: 'GET', url: '/api/v1/agents/me/presence', headers: auth });
    expect(me.json()).toMatchObject({ presence: 'available', load: { email: '1/2' } });
    await h.ctx.app.inject({ method: 'PUT', url: '/api/v1/agents/me/presence', headers: auth, payload: { presence: 'offline' } });
    const spec = (await h.ctx.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const p of ['/api/v1/queues', '/api/v1/agents/me/offers', '/api/v1/offers/{id}/accept', '/api/v1/supervisor/cases/{id}/transfer', '/api/v1/cases/{id}/transfer']) {
      expect(spec.paths[p]).toBeDefined();
    }
  });
});

describe('supervisor and agent actions', () => {
  it('assigns a waiting case to a named agent, respecting capacity, and the agent joins the case room', async () => {
    const sup = await h.agent({ role: 'supervisor' });
    const auth = { authorization: `Bearer ${sup.token}` };
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 1 } });
    const c1 = await h.inbound({ channel: 'email', queueId: q.id });
    const c2 = await h.inbound({ channel: 'email', queueId: q.id });
    const r = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c2}/assign`, headers: auth, payload: { agentId: a.id } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ caseId: c2, assigneeId: a.id, routingState: 'assigned' });
    const full = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c1}/assign`, headers: auth, payload: { agentId: a.id } });
    expect(full.statusCode).toBe(409);
    // plain agents cannot
    const denied = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c1}/assign`, headers: { authorization: `Bearer ${a.token}` }, payload: { agentId: a.id } });
    expect(denied.statusCode).toBe(403);
    // the agent's socket is in the case room: other channels emit interaction:new there
    await until(async () => (await h.ctx.app.io.of(NAMESPACES.agent).in(rooms.case(c2)).fetchSockets()).length > 0, 'joined case room');
    const got = new Promise((resolve) => a.socket.once('interaction:new', resolve));
    await h.ctx.app.realtime.emit({ nsp: NAMESPACES.agent, room: rooms.case(c2), event: 'interaction:new', payload: { caseId: c2, interactionId: 1 } });
    expect(await got).toEqual({ caseId: c2, interactionId: 1 });
    const ev = (await caseEvents(h.ctx.db.pool, c2)).filter((e) => e.type === 'assigned');
    expect(ev).toHaveLength(1);
    expect(ev[0].data).toMatchObject({ via: 'supervisor', actorId: sup.id });
  });

  it('transfers to a queue keeping the case\'s place, to an agent, and unassigns; an agent may transfer only what they hold', async () => {
    const sup = await h.agent({ role: 'supervisor' });
    const auth = { authorization: `Bearer ${sup.token}` };
    const q1 = await h.queue();
    const q2 = await h.queue();
    const a = await h.agent({ queueIds: [q1.id], available: true });
    // b works both queues (and so sees a's case) but is not available, so offers go to a
    const b = await h.agent({ queueIds: [q1.id, q2.id] });
    const c = await h.inbound({ channel: 'email', queueId: q1.id });
    const o = await a.nextOffer();
    await a.accept(o.offerId);
    const firstQueued = (await h.ctx.db.pool.query(`SELECT first_queued_at FROM cases WHERE id = $1`, [c])).rows[0].first_queued_at;
    const newer = await h.inbound({ channel: 'email', queueId: q2.id });

    // b sees a's case but cannot transfer it
    const notMine = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c}/transfer`, headers: { authorization: `Bearer ${b.token}` }, payload: { toQueueId: q2.id } });
    expect(notMine.statusCode).toBe(403);
    // a sends it to q2: it waits there ahead of the newer case
    const t = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c}/transfer`, headers: { authorization: `Bearer ${a.token}` }, payload: { toQueueId: q2.id } });
    expect(t.statusCode).toBe(200);
    expect(t.json()).toMatchObject({ assigneeId: null, queueId: q2.id, routingState: 'waiting' });
    const row = (await h.ctx.db.pool.query(`SELECT first_queued_at FROM cases WHERE id = $1`, [c])).rows[0];
    expect(row.first_queued_at.getTime()).toBe(firstQueued.getTime());
    const list = await h.ctx.app.inject({ method: 'GET', url: `/api/v1/queues?queueId=${q2.id}`, headers: auth });
    expect(list.json().cases.map((x: { caseId: number }) => x.caseId)).toEqual([c, newer]);
    await until(() => a.events.find((e) => e.event === 'case:updated' && (e.payload as { caseId: number }).caseId === c && (e.payload as { event: string }).event === 'transferred'), 'case:updated to the old agent');

    // supervisor transfers it to b directly, then unassigns it
    const toB = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c}/transfer`, headers: auth, payload: { toAgentId: b.id } });
    expect(toB.json()).toMatchObject({ assigneeId: b.id });
    const both = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c}/transfer`, headers: auth, payload: { toAgentId: b.id, toQueueId: q1.id } });
    expect(both.statusCode).toBe(400);
    const un = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/supervisor/cases/${c}/unassign`, headers: auth });
    expect(un.json()).toMatchObject({ assigneeId: null, routingState: 'waiting' });
    const types = (await caseEvents(h.ctx.db.pool, c)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['transferred', 'unassigned', 'requeued']));
    await a.setPresence('offline');
  });
});

describe('supervisor view', () => {
  it('pushes queue and agent figures on /supervisor when they change', async () => {
    const sup = await h.agent({ role: 'supervisor' });
    const { io: connect } = await import('socket.io-client');
    const s = connect(`${h.base}/supervisor`, { auth: { token: sup.token }, transports: ['websocket'], reconnection: false });
    const seen: { queues: { queueId: number; waiting: number }[] }[] = [];
    s.on('stats:queues', (p) => seen.push(p));
    await until(() => seen.length > 0, 'initial stats');
    const q = await h.queue();
    await h.inbound({ channel: 'email', queueId: q.id });
    await until(() => seen.some((p) => p.queues.some((x) => x.queueId === q.id && x.waiting === 1)), 'pushed stats', 4000);
    s.disconnect();
  });
});
