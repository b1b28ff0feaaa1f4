import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, loadDrift, seededRandom, until, type AgentClient, type Harness } from '../helpers/routing-harness.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import type { Channel } from '../../server/src/contracts/vocabulary.js';

// Two independent routers (own Postgres pools, own Redis connections) race for the same cases
// while 30 agents with random capacities accept, decline and finish cases at random. The match-pass lease is
// off (ROUTING_PASS_LEASE_MS=0) so both routers run every pass: correctness must not depend on the lease.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ROUTING_PASS_LEASE_MS: '0', ROUTING_REOFFER_COOLDOWN_MS: '300', ROUTING_OFFER_TIMEOUT_LIVE_MS: '5000', ROUTING_OFFER_TIMEOUT_ASYNC_MS: '5000' }, 2);
});
afterAll(async () => {
  await h?.close();
});

// deterministic pseudo-random numbers, so a failure can be replayed
const { rand, pick } = seededRandom(20261123);

describe('two routers at once', () => {
  it('assigns each of 500 cases exactly once and never exceeds any agent capacity', async () => {
    const CASES = 500;
    const q = await h.queue();
    const channels: Channel[] = ['chat', 'email', 'sms', 'voice'];
    const capacities = new Map<number, Record<string, number>>();
    const agents: AgentClient[] = [];
    for (let i = 0; i < 30; i++) {
      const capacity = { chat: 1 + Math.floor(rand() * 3), email: 1 + Math.floor(rand() * 5), sms: 1 + Math.floor(rand() * 4), voice: 1 };
      const a = await h.agent({ queueIds: [q.id], capacity });
      capacities.set(a.id, capacity);
      agents.push(a);
    }
    const deps = h.ctx.app.routingDeps;
    for (const a of agents) {
      a.socket.on('offer', (o) => {
        setTimeout(async () => {
          if (rand() < 0.8) {
            const r = await a.accept(o.offerId).catch(() => null);
            if (r?.ok) setTimeout(() => void changeCaseStatus(deps, { caseId: r.caseId, status: 'solved', agentId: a.id }).catch(() => {}), 5 + rand() * 60);
          } else {
            await a.decline(o.offerId).catch(() => null);
          }
        }, rand() * 30);
      });
    }
    await Promise.all(agents.map((a) => a.setPresence('available')));

    // arrivals keep coming while routing runs
    for (let i = 0; i < CASES; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => h.inbound({ channel: pick(channels), queueId: q.id })));
    }
    await until(
      async () => (await h.ctx.db.pool.query(`SELECT count(DISTINCT case_id)::int AS n FROM case_events WHERE type = 'assigned'`)).rows[0].n === CASES,
      'all cases assigned',
      200_000,
      250,
    );
    const perCase = await h.ctx.db.pool.query(`SELECT case_id, count(*)::int AS n FROM case_events WHERE type = 'assigned' GROUP BY case_id`);
    expect(perCase.rowCount).toBe(CASES);
    expect(perCase.rows.filter((r) => r.n !== 1)).toEqual([]);
    // the incrementally kept matching state still equals the load recomputed from cases and offers
    expect(await loadDrift(h.ctx.db.pool)).toEqual([]);
    const offersPerCase = await h.ctx.db.pool.query(`SELECT case_id FROM offers WHERE status = 'accepted' GROUP BY case_id HAVING count(*) > 1`);
    expect(offersPerCase.rows).toEqual([]);

    // replay every agent's history in event order: held cases + offers in flight never above capacity
    const ev = await h.ctx.db.pool.query(`SELECT id, case_id, type, agent_id, channel, data FROM case_events ORDER BY id`);
    const usage = new Map<string, number>();
    const bump = (agent: number, channel: string, d: number) => {
      const k = `${agent}:${channel}`;
      const v = (usage.get(k) ?? 0) + d;
      usage.set(k, v);
      return v;
    };
    let checked = 0;
    for (const e of ev.rows) {
      if (e.type === 'offered') {
        const v = bump(e.agent_id, e.channel, 1);
        checked++;
        expect(v, `agent ${e.agent_id} ${e.channel} at event ${e.id}`).toBeLessThanOrEqual(capacities.get(e.agent_id)![e.channel]);
        // a voice case excludes everything else
        if (e.channel !== 'voice') expect(usage.get(`${e.agent_id}:voice`) ?? 0).toBe(0);
      } else if (['accepted', 'declined', 'timed_out', 'rescinded'].includes(e.type)) bump(e.agent_id, e.channel, -1);
      else if (e.type === 'assigned') {
        const v = bump(e.agent_id, e.channel, 1);
        expect(v).toBeLessThanOrEqual(capacities.get(e.agent_id)![e.channel]);
      } else if (e.type === 'solved' && e.data.assigneeId) bump(Number(e.data.assigneeId), e.channel, -1);
    }
    expect(checked).toBeGreaterThanOrEqual(CASES);
    // both routers made offers
    const byRouter = await h.ctx.db.pool.query(`SELECT data->>'router' AS router, count(*)::int AS n FROM case_events WHERE type = 'offered' GROUP BY 1`);
    expect(byRouter.rows.filter((r) => r.router && r.n > 10)).toHaveLength(2);
    await Promise.all(agents.map((a) => a.setPresence('offline')));
  }, 240_000);
});
