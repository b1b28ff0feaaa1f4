import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../helpers/routing-harness.js';

// Written-channel offers last 1.5 s here; the safety-net sweep is off (10 minutes), so an offer is
// settled by its timer, by a late answer, or by a router's rebuild after a restart.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ROUTING_OFFER_TIMEOUT_ASYNC_MS: '1500', ROUTING_REOFFER_COOLDOWN_MS: '60000', ROUTING_AWAY_AFTER_TIMEOUTS: '2' });
});
afterAll(async () => {
  await h?.close();
});

const offerRow = async (id: string) =>
  (await h.ctx.db.pool.query(`SELECT status, end_reason FROM offers WHERE id = $1`, [id])).rows[0] as { status: string; end_reason: string | null };

describe('answers that come after the offer expired', () => {
  it('refuses them without committing, and an expiry processed late never sets the answering agent Away', async () => {
    const q = await h.queue();
    // 4 s offers in this queue: both must still be open when the router stops, also on a loaded machine
    await h.ctx.db.pool.query(`UPDATE queues SET offer_timeouts = '{"email": 4}' WHERE id = $1`, [q.id]);
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 2 } });
    const c1 = await h.inbound({ channel: 'email', queueId: q.id });
    const c2 = await h.inbound({ channel: 'email', queueId: q.id });
    await a.setPresence('available');
    const [o1, o2] = await Promise.all([a.nextOffer((o) => o.case.id === c1, 10_000), a.nextOffer((o) => o.case.id === c2, 10_000)]);

    // the router falls behind (here: stopped) so the offers' timers are not processed on time
    await h.routers[0].close();
    await new Promise((r) => setTimeout(r, 4300));

    // the agent answers both, after they expired: refused, and nothing is committed behind their back
    const accept = await a.accept(o1.offerId);
    expect(accept).toEqual({ ok: false, reason: 'expired' });
    const decline = await h.ctx.app.inject({ method: 'POST', url: `/api/v1/offers/${o2.offerId}/decline`, headers: { authorization: `Bearer ${a.token}` }, payload: {} });
    expect(decline.statusCode).toBe(409);
    expect(JSON.stringify(decline.json())).toContain('expired');
    const cases = await h.ctx.db.pool.query(`SELECT id, routing_state, assignee_id FROM cases WHERE id = ANY($1) ORDER BY id`, [[c1, c2]]);
    expect(cases.rows).toEqual([
      { id: c1, routing_state: 'waiting', assignee_id: null },
      { id: c2, routing_state: 'waiting', assignee_id: null },
    ]);
    expect(await offerRow(o1.offerId)).toEqual({ status: 'timed_out', end_reason: 'late_accept' });
    expect(await offerRow(o2.offerId)).toEqual({ status: 'timed_out', end_reason: 'late_decline' });
    // answering twice gives the same answer
    expect(await a.accept(o1.offerId)).toEqual({ ok: false, reason: 'expired' });

    // the router comes back and settles what is overdue: the agent answered, so they stay Available
    await h.startRouter();
    await new Promise((r) => setTimeout(r, 500));
    const agent = await h.ctx.db.pool.query(`SELECT presence, consecutive_timeouts FROM agents WHERE id = $1`, [a.id]);
    expect(agent.rows[0]).toEqual({ presence: 'available', consecutive_timeouts: 0 });
    // the case the agent tried to accept is offered to them again; the declined one is not
    const again = await a.nextOffer((o) => o.case.id === c1 && o.offerId !== o1.offerId);
    expect((await a.accept(again.offerId)).ok).toBe(true);
    expect(a.open().some((o) => o.case.id === c2 && o.offerId !== o2.offerId)).toBe(false);
    await a.setPresence('offline');
  });

  it('an agent who really lets two offers time out is set Away', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 1 }, available: true });
    const c1 = await h.inbound({ channel: 'email', queueId: q.id });
    const c2 = await h.inbound({ channel: 'email', queueId: q.id });
    await a.nextOffer((o) => o.case.id === c1);
    await until(() => a.rescinded.length >= 1, 'first timeout', 5000);
    // the first case is not offered to them again for a while: the second one is, and times out too
    await a.nextOffer((o) => o.case.id === c2);
    await until(
      async () => (await h.ctx.db.pool.query(`SELECT presence FROM agents WHERE id = $1`, [a.id])).rows[0].presence === 'away',
      'agent set Away after two missed offers',
      10_000,
    );
    await until(() => a.rescinded.length >= 2, 'both offers withdrawn', 5000);
  });
});

describe('offer expiry without a timer per offer', () => {
  const delayedRouterJobs = async () => (await h.ctx.app.queues.routerEvents.getJobs(['delayed', 'wait'])).length;

  it('an answered offer leaves nothing behind on Redis; an unanswered one times out within a tick of its expiry', async () => {
    const slowQ = await h.queue();
    await h.ctx.db.pool.query(`UPDATE queues SET offer_timeouts = '{"email": 60}' WHERE id = $1`, [slowQ.id]);
    const a = await h.agent({ queueIds: [slowQ.id], capacity: { email: 2 } });
    const cases = [];
    for (let i = 0; i < 2; i++) cases.push(await h.inbound({ channel: 'email', queueId: slowQ.id }));
    const before = await delayedRouterJobs();
    await a.setPresence('available');
    const [o1, o2] = await Promise.all(cases.map((c) => a.nextOffer((o) => o.case.id === c)));
    // offers made: no job was added for them (a delayed match for a cool-down is the only router job)
    expect(await delayedRouterJobs()).toBe(before);
    expect((await a.accept(o1.offerId)).ok).toBe(true);
    expect((await a.decline(o2.offerId)).ok).toBe(true);

    // an offer nobody answers (1.5 s here) times out on the lease holder's expiry tick (the sweep is off)
    const quickQ = await h.queue();
    const b = await h.agent({ queueIds: [quickQ.id], capacity: { email: 1 }, available: true });
    const c4 = await h.inbound({ channel: 'email', queueId: quickQ.id });
    const o4 = await b.nextOffer((o) => o.case.id === c4);
    const rescinded = await until(() => b.rescinded.find((r) => r.offerId === o4.offerId), 'the unanswered offer timed out', 5000);
    expect(rescinded.reason).toBe('timeout');
    const row = await h.ctx.db.pool.query(`SELECT status, end_reason, EXTRACT(EPOCH FROM responded_at - expires_at)::float8 AS late_s FROM offers WHERE id = $1`, [o4.offerId]);
    expect(row.rows[0]).toMatchObject({ status: 'timed_out', end_reason: 'timeout' });
    // expired after its time, by at most a tick (500 ms) and the machine's scheduling: never early
    expect(row.rows[0].late_s).toBeGreaterThanOrEqual(0);
    const back = await h.ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [c4]);
    expect(back.rows[0].routing_state).toBe('waiting');
    await b.setPresence('offline');
    await a.setPresence('offline');
  });
});
