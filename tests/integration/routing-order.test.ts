import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, until, caseEvents, type Harness } from '../helpers/routing-harness.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';

// Order, capacity and event-driven matching. The safety-net sweep is set to 10 minutes here,
// so every offer in this file arrives because an event triggered a match pass.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ROUTING_REOFFER_COOLDOWN_MS: '60000' });
});
afterAll(async () => {
  await h?.close();
});

const waitingIds = async (queueId?: number) => {
  const r = await h.ctx.app.inject({ method: 'GET', url: `/api/v1/queues${queueId ? `?queueId=${queueId}` : ''}`, headers: { authorization: `Bearer ${await supToken()}` } });
  expect(r.statusCode).toBe(200);
  return (r.json().cases as { caseId: number; waitingSeconds: number; routingPriority: number; position: number }[]);
};
let sup: string | null = null;
async function supToken() {
  if (sup) return sup;
  const a = await h.agent({ role: 'supervisor' });
  sup = a.token;
  return sup;
}
const solve = (caseId: number, agentId: number) => changeCaseStatus(h.ctx.app.routingDeps, { caseId, status: 'solved', agentId });

describe('queue order', () => {
  it('orders by priority across channels, then by first time in queue; GET /queues shows it with wait times', async () => {
    const q = await h.queue();
    const email1 = await h.inbound({ channel: 'email', queueId: q.id });
    const sms = await h.inbound({ channel: 'sms', queueId: q.id });
    const email2 = await h.inbound({ channel: 'email', queueId: q.id });
    const chat = await h.inbound({ channel: 'chat', queueId: q.id });
    const urgentEmail = await h.inbound({ channel: 'email', queueId: q.id, priority: 'urgent' });
    const vipEmail = await h.inbound({ channel: 'email', queueId: q.id, vip: true });
    const voice = await h.inbound({ channel: 'voice', queueId: q.id });
    const list = await waitingIds(q.id);
    // voice 10, chat 20, sms 40, urgent email 52, VIP email 57, email 60 (oldest first)
    expect(list.map((c) => c.caseId)).toEqual([voice, chat, sms, urgentEmail, vipEmail, email1, email2]);
    expect(list.map((c) => c.routingPriority)).toEqual([10, 20, 40, 52, 57, 60, 60]);
    expect(list.every((c) => c.waitingSeconds >= 0)).toBe(true);
    // the BullMQ routing queue holds the same cases
    const jobs = await h.ctx.app.queues.routing.getJobs(['prioritized', 'waiting']);
    expect(jobs.map((j) => j.data.caseId).sort()).toEqual([...list.map((c) => c.caseId)].sort());
  });

  it('a waiting case whose priority is raised on the case page moves up the queue, in Postgres and in the BullMQ queue', async () => {
    const q = await h.queue();
    const older = await h.inbound({ channel: 'email', queueId: q.id });
    const newer = await h.inbound({ channel: 'email', queueId: q.id });
    expect((await waitingIds(q.id)).map((c) => c.caseId)).toEqual([older, newer]);
    const r = await h.ctx.app.inject({ method: 'PATCH', url: `/api/v1/cases/${newer}`, headers: { authorization: `Bearer ${await supToken()}` }, payload: { priority: 'urgent' } });
    expect(r.statusCode).toBe(200);
    expect(r.json().changed).toEqual(['priority']);
    const list = await waitingIds(q.id);
    expect(list.map((c) => c.caseId)).toEqual([newer, older]);
    expect(list.map((c) => c.routingPriority)).toEqual([52, 60]);
    const job = (await h.ctx.app.queues.routing.getJobs(['prioritized', 'waiting'])).find((j) => j.data.caseId === newer);
    expect(job?.opts.priority).toBe(52);
  });

  it('offers in queue order, and a declined case keeps its place ahead of later ones', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 1 } });
    const b = await h.agent({ queueIds: [q.id], capacity: { email: 1 } });
    const first = await h.inbound({ channel: 'email', queueId: q.id });
    const second = await h.inbound({ channel: 'email', queueId: q.id });
    const third = await h.inbound({ channel: 'email', queueId: q.id });
    const urgent = await h.inbound({ channel: 'email', queueId: q.id, priority: 'urgent' });

    await a.setPresence('available');
    const o1 = await a.nextOffer();
    expect(o1.case.id).toBe(urgent);
    expect((await a.accept(o1.offerId)).ok).toBe(true);
    await solve(urgent, a.id);
    const o2 = await a.nextOffer((o) => o.case.id !== urgent);
    expect(o2.case.id).toBe(first);
    expect(o2.case).toMatchObject({ channel: 'email', queue: { id: q.id } });
    expect((await a.decline(o2.offerId)).ok).toBe(true);
    // a declined case is not offered to the same agent for a while, but keeps its place: B gets it first
    await b.setPresence('available');
    const ob = await b.nextOffer();
    expect(ob.case.id).toBe(first);
    const o3 = await a.nextOffer((o) => o.case.id !== urgent && o.case.id !== first);
    expect(o3.case.id).toBe(second);
    const ids = (await waitingIds(q.id)).map((c) => c.caseId);
    expect(ids).toEqual([first, second, third]);
    const ev = (await caseEvents(h.ctx.db.pool, first)).map((e) => e.type);
    expect(ev).toEqual(expect.arrayContaining(['queued', 'offered', 'declined', 'requeued']));
    await a.setPresence('offline');
    await b.setPresence('offline');
  });

  it('does not let a case nobody can take block the ones behind it', async () => {
    const q = await h.queue();
    const voice = await h.inbound({ channel: 'voice', queueId: q.id });
    const email = await h.inbound({ channel: 'email', queueId: q.id });
    const a = await h.agent({ queueIds: [q.id], capacity: { voice: 0, email: 2 }, available: true });
    const o = await a.nextOffer();
    expect(o.case.id).toBe(email);
    const state = await h.ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [voice]);
    expect(state.rows[0].routing_state).toBe('waiting');
    // and skills: a queue requiring a skill the agent lacks is skipped the same way
    const skilled = await h.queue({ requiredSkills: ['fa'] });
    await h.ctx.db.pool.query(`INSERT INTO queue_members (queue_id, agent_id) VALUES ($1, $2)`, [skilled.id, a.id]);
    const persian = await h.inbound({ channel: 'email', queueId: skilled.id });
    const email2 = await h.inbound({ channel: 'email', queueId: q.id });
    const o2 = await a.nextOffer((x) => x.case.id !== email);
    expect(o2.case.id).toBe(email2);
    expect((await h.ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [persian])).rows[0].routing_state).toBe('waiting');
    await a.setPresence('offline');
  });
});

describe('capacity', () => {
  it('holds three chats and gets no fourth; solving one offers the next within a second, without the sweep', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { chat: 3 }, available: true });
    const chats = [];
    for (let i = 0; i < 4; i++) chats.push(await h.inbound({ channel: 'chat', queueId: q.id }));
    for (let i = 0; i < 3; i++) {
      const o = await a.nextOffer();
      expect((await a.accept(o.offerId)).ok).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 400));
    expect(a.open()).toHaveLength(0);
    expect((await waitingIds(q.id)).map((c) => c.caseId)).toEqual([chats[3]]);
    const presence = await until(() => (a.presence.at(-1)?.load.chat === '3/3' ? a.presence.at(-1) : null), 'presence 3/3');
    expect(presence.busy).toBe(true);

    const t0 = Date.now();
    await solve(chats[0], a.id);
    const o4 = await a.nextOffer(() => true, 1000);
    expect(o4.case.id).toBe(chats[3]);
    expect(Date.now() - t0).toBeLessThan(1000);
    await a.setPresence('offline');
  });

  it('an agent on a call gets nothing else until the call ends', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const call = await h.inbound({ channel: 'voice', queueId: q.id });
    const o = await a.nextOffer();
    expect(o.case.id).toBe(call);
    // while the call is only offered, nothing else is offered either
    const chat = await h.inbound({ channel: 'chat', queueId: q.id });
    await new Promise((r) => setTimeout(r, 300));
    expect(a.open().map((x) => x.case.id)).toEqual([call]);
    expect((await a.accept(o.offerId)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.open()).toHaveLength(0);
    await solve(call, a.id);
    const next = await a.nextOffer(() => true, 1000);
    expect(next.case.id).toBe(chat);
    await a.setPresence('offline');
  });
});

describe('agent selection', () => {
  it('offers to the agent available longest, and to the customer\'s last agent within the sticky window', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const b = await h.agent({ queueIds: [q.id], available: true });
    // b has been idle longer
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '10 minutes' WHERE id = $1`, [b.id]);
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '1 minute' WHERE id = $1`, [a.id]);
    const c1 = await h.inbound({ channel: 'chat', queueId: q.id, customer: 'sticky-customer' });
    const o1 = await b.nextOffer();
    expect(o1.case.id).toBe(c1);
    expect((await b.accept(o1.offerId)).ok).toBe(true);
    await solve(c1, b.id);
    // b just finished, so a is now the longest available; but the customer comes back within 60 s
    const c2 = await h.inbound({ channel: 'chat', queueId: q.id, customer: 'sticky-customer' });
    const o2 = await b.nextOffer((o) => o.case.id === c2);
    expect(o2.case.id).toBe(c2);
    const offered = (await caseEvents(h.ctx.db.pool, c2)).find((e) => e.type === 'offered');
    expect(offered?.data.sticky).toBe(true);
    // a new customer goes to the longest-available agent: a
    const c3 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o3 = await a.nextOffer();
    expect(o3.case.id).toBe(c3);
    await a.setPresence('offline');
    await b.setPresence('offline');
  });
});

describe('order while the agent answers as offers arrive', () => {
  it('a case another router is still deciding is not overtaken by the one behind it', async () => {
    const q = await h.queue();
    const head = await h.inbound({ channel: 'email', queueId: q.id, priority: 'high' });
    await h.inbound({ channel: 'email', queueId: q.id }); // the case behind it
    // a second router holds the head case (its offer statement has the row locked)
    const otherRouter = await h.ctx.db.pool.connect();
    await otherRouter.query('BEGIN');
    await otherRouter.query(`SELECT id FROM cases WHERE id = $1 FOR UPDATE`, [head]);
    try {
      const a = await h.agent({ queueIds: [q.id], capacity: { email: 1 }, available: true });
      await new Promise((r) => setTimeout(r, 800));
      expect(a.open().map((o) => o.case.id)).toEqual([]);
      await otherRouter.query('COMMIT');
      const o = await a.nextOffer();
      expect(o.case.id).toBe(head);
      expect(a.open().map((x) => x.case.id)).toEqual([head]);
      await a.setPresence('offline');
    } finally {
      await otherRouter.query('ROLLBACK');
      otherRouter.release();
    }
  });

  it('one agent accepting and solving each offer on arrival gets 15 mixed-channel cases exactly in GET /queues order', async () => {
    const q = await h.queue();
    // the same base priority on every channel, so case priority and tier interleave the channels in the order
    await h.ctx.db.pool.query(`UPDATE queues SET priority_overrides = '{"email": 50, "sms": 50, "chat": 50, "portal": 50}' WHERE id = $1`, [q.id]);
    const channels = ['email', 'sms', 'chat', 'portal'] as const;
    const mix: { priority?: 'urgent' | 'high' | 'normal' | 'low'; vip?: boolean }[] = [
      { priority: 'low' }, {}, { priority: 'high' }, { vip: true }, { priority: 'urgent' },
      {}, { priority: 'low' }, { priority: 'high' }, {}, { priority: 'urgent' },
      { vip: true, priority: 'high' }, {}, { priority: 'low' }, { priority: 'high' }, {},
    ];
    const channelOf = new Map<number, string>();
    for (const [i, m] of mix.entries()) {
      const channel = channels[i % channels.length];
      channelOf.set(await h.inbound({ channel, queueId: q.id, ...m }), channel);
    }
    const expected = (await waitingIds(q.id)).map((c) => c.caseId);
    expect(expected).toHaveLength(15);
    // the mix really interleaves channels in the queue order (not one channel after another)
    const switches = expected.filter((id, i) => i > 0 && channelOf.get(id) !== channelOf.get(expected[i - 1])).length;
    expect(switches, expected.map((id) => channelOf.get(id)).join(" ")).toBeGreaterThanOrEqual(6);

    // one case at a time per channel: the agent holds up to four cases, one of each channel
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 1, sms: 1, chat: 1, portal: 1 } });
    const offered: number[] = [];
    const answering: Promise<unknown>[] = [];
    // as the workspace does (stores/presence.ts addOffer), an offer seen before is ignored: a socket that has
    // just connected is also sent the offers in flight, which can include one the router sent it a moment ago
    const seen = new Set<string>();
    a.socket.on('offer', (o: { offerId: string; case: { id: number } }) => {
      if (seen.has(o.offerId)) return;
      seen.add(o.offerId);
      offered.push(o.case.id);
      answering.push(a.accept(o.offerId).then((r) => (r.ok ? solve(o.case.id, a.id) : null)));
    });
    // other events (arrivals elsewhere, colleagues' presence) keep triggering passes meanwhile
    let stop = false;
    const noise = (async () => {
      for (let i = 0; i < 5000 && !stop; i++) {
        h.routers[0].requestPass();
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await a.setPresence('available');
    await until(() => offered.length >= 15, `15 offers (got ${offered.length})`, 100_000).finally(() => {
      stop = true;
    });
    await noise;
    await Promise.all(answering);
    expect([...offered].sort()).toEqual([...expected].sort());

    // Each channel's cases were offered exactly in GET /queues order.
    for (const ch of channels) {
      expect(offered.filter((id) => channelOf.get(id) === ch), ch).toEqual(expected.filter((id) => channelOf.get(id) === ch));
    }
    // Across channels, replaying the history: every offer is the first case still waiting, in GET /queues
    // order, on a channel where the agent held nothing. A solve committed while a pass was already running is
    // seen by the next pass, so a channel freed since the pass began (at most one offer per channel per pass)
    // may still count as held.
    const ev = await h.ctx.db.pool.query(`SELECT case_id, type FROM case_events WHERE case_id = ANY($1) AND type IN ('offered', 'solved') ORDER BY id`, [expected]);
    const remaining = [...expected];
    const held = new Set<string>();
    const justFreed = new Map<string, number>(); // channel → offers made since its solve
    for (const e of ev.rows as { case_id: number; type: string }[]) {
      const id = Number(e.case_id);
      const ch = channelOf.get(id)!;
      if (e.type === 'solved') {
        held.delete(ch);
        justFreed.set(ch, 0);
        continue;
      }
      expect(held.has(ch), `case ${id} offered while a ${ch} case was held`).toBe(false);
      const ahead = remaining.slice(0, remaining.indexOf(id)).filter((x) => {
        const c = channelOf.get(x)!;
        return !held.has(c) && !(justFreed.has(c) && c !== ch);
      });
      expect(ahead, `offer of case ${id} (${ch}) while these could have been offered first`).toEqual([]);
      held.add(ch);
      justFreed.delete(ch);
      for (const [c, n] of justFreed) {
        if (n + 1 >= channels.length) justFreed.delete(c);
        else justFreed.set(c, n + 1);
      }
      remaining.splice(remaining.indexOf(id), 1);
    }
    expect(remaining).toEqual([]);
    await a.setPresence('offline');
  }, 120_000);
});

describe('distribution', () => {
  it('chat goes to the least loaded agent by default; a queue set to longest_idle gives it to the one idle longest', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { chat: 3 }, available: true });
    const b = await h.agent({ queueIds: [q.id], capacity: { chat: 3 }, available: true });
    // a has been available longer than b
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '10 minutes' WHERE id = $1`, [a.id]);
    await h.ctx.db.pool.query(`UPDATE agents SET idle_since = now() - interval '1 minute' WHERE id = $1`, [b.id]);
    const c1 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o1 = await a.nextOffer();
    expect(o1.case.id).toBe(c1);
    expect((await a.accept(o1.offerId)).ok).toBe(true);
    // a holds one chat, b none: least_loaded (chat's default) gives the next chat to b
    const c2 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o2 = await b.nextOffer();
    expect(o2.case.id).toBe(c2);
    expect((await b.accept(o2.offerId)).ok).toBe(true);
    const c3 = await h.inbound({ channel: 'chat', queueId: q.id });
    // both hold one: the longer idle (a) gets it
    const o3 = await a.nextOffer((o) => o.case.id === c3);
    expect((await a.accept(o3.offerId)).ok).toBe(true);

    // the queue switched to longest_idle: a holds two chats, b one, and a still gets the next (idle longest)
    const admin = await h.agent({ role: 'admin' });
    const patch = await h.ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/queues/${q.id}`,
      headers: { authorization: `Bearer ${admin.token}` },
      payload: { distribution: 'longest_idle' },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().distribution).toBe('longest_idle');
    const bad = await h.ctx.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/queues/${q.id}`,
      headers: { authorization: `Bearer ${admin.token}` },
      payload: { distribution: 'random' },
    });
    expect(bad.statusCode).toBe(400);
    const c4 = await h.inbound({ channel: 'chat', queueId: q.id });
    const o4 = await a.nextOffer((o) => o.case.id === c4);
    expect(o4.case.id).toBe(c4);
    expect(b.open().map((o) => o.case.id)).not.toContain(c4);
    await a.setPresence('offline');
    await b.setPresence('offline');
  });
});
