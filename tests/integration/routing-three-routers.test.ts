import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, loadDrift, seededRandom, until, type Harness } from '../helpers/routing-harness.js';
import { acceptOffer, declineOffer } from '../../server/src/lifecycle/offers.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import type { Channel } from '../../server/src/contracts/vocabulary.js';

// Three independent routers (own Postgres pools, own Redis connections) race over 1,000 available
// agents. The agents answer in-process (no sockets, to keep the test's own load bounded): every offer
// in flight is accepted or declined within a few poll rounds and accepted cases are solved at random.
let h: Harness;
beforeAll(async () => {
  // the match-pass lease off: all three routers run every pass, racing for the same rows
  h = await createHarness({ ROUTING_PASS_LEASE_MS: '0', ROUTING_REOFFER_COOLDOWN_MS: '300', ROUTING_OFFER_TIMEOUT_LIVE_MS: '10000', ROUTING_OFFER_TIMEOUT_ASYNC_MS: '10000' }, 3);
});
afterAll(async () => {
  await h?.close();
});

const { rand } = seededRandom(20261130);

describe('three routers, 1,000 agents', () => {
  it('offers and assigns each case once and never exceeds a capacity', async () => {
    const AGENTS = 1000;
    const CASES = 300;
    const db = h.ctx.db.pool;
    const q = await h.queue();
    // small capacities so agents fill up and the routers compete for the ones with room
    const agents = await db.query(
      `INSERT INTO agents (email, name, password_hash, role, capacity, presence, idle_since)
       SELECT 'load' || i || '@example.test', 'Load ' || i, 'x', 'agent',
              jsonb_build_object('chat', 1 + i % 2, 'email', 1, 'sms', 1, 'voice', 1), 'available', now() - make_interval(secs => i)
         FROM generate_series(1, $1) i RETURNING id, capacity`,
      [AGENTS],
    );
    await db.query(`INSERT INTO queue_members (queue_id, agent_id) SELECT $1, unnest($2::bigint[])`, [q.id, agents.rows.map((a) => a.id)]);
    const capacities = new Map<number, Record<string, number>>(agents.rows.map((a) => [Number(a.id), a.capacity]));
    const deps = h.ctx.app.routingDeps;

    let stop = false;
    const answered = new Set<string>();
    const failures: Error[] = [];
    const answering = (async () => {
      for (let round = 0; round < 6000 && !stop; round++) {
        const offers = await db.query(`SELECT id, agent_id FROM offers WHERE status = 'pending'`);
        await Promise.all(
          offers.rows
            .filter((o) => !answered.has(o.id))
            .map(async (o) => {
              answered.add(o.id);
              try {
                if (rand() < 0.9) {
                  const r = await acceptOffer(deps, { offerId: o.id, agentId: Number(o.agent_id) });
                  if (r.ok && rand() < 0.5) await changeCaseStatus(deps, { caseId: r.caseId, status: 'solved', agentId: Number(o.agent_id) });
                } else await declineOffer(deps, { offerId: o.id, agentId: Number(o.agent_id) });
              } catch (err) {
                // an answer lost to a busy machine (no pool connection in time) is an agent who did not answer:
                // the offer times out and the case is offered again; anything else is a failure of the test
                failures.push(err as Error);
              }
            }),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const channels: Channel[] = ['chat', 'email', 'sms', 'voice'];
    for (let i = 0; i < CASES; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => h.inbound({ channel: channels[(i + k) % 4], queueId: q.id })));
    }
    await until(
      async () => (await db.query(`SELECT count(DISTINCT case_id)::int AS n FROM case_events WHERE type = 'assigned'`)).rows[0].n === CASES,
      'all cases assigned',
      200_000,
      250,
    ).finally(() => {
      stop = true;
    });
    await answering;

    const perCase = await db.query(`SELECT case_id, count(*)::int AS n FROM case_events WHERE type = 'assigned' GROUP BY case_id`);
    expect(perCase.rowCount).toBe(CASES);
    expect(perCase.rows.filter((r) => r.n !== 1)).toEqual([]);
    // never two offers of one case in flight at once
    const ev = await db.query(`SELECT id, case_id, type, agent_id, channel, data FROM case_events ORDER BY id`);
    const inFlight = new Map<number, number>();
    const usage = new Map<string, number>();
    const bump = (agent: number, channel: string, d: number) => {
      const k = `${agent}:${channel}`;
      const v = (usage.get(k) ?? 0) + d;
      usage.set(k, v);
      return v;
    };
    for (const e of ev.rows) {
      if (e.type === 'offered') {
        inFlight.set(e.case_id, (inFlight.get(e.case_id) ?? 0) + 1);
        expect(inFlight.get(e.case_id), `case ${e.case_id} offered twice at event ${e.id}`).toBe(1);
        const v = bump(e.agent_id, e.channel, 1);
        expect(v, `agent ${e.agent_id} ${e.channel} at event ${e.id}`).toBeLessThanOrEqual(capacities.get(Number(e.agent_id))![e.channel]);
        if (e.channel !== 'voice') expect(usage.get(`${e.agent_id}:voice`) ?? 0).toBe(0);
      } else if (['accepted', 'declined', 'timed_out', 'rescinded'].includes(e.type)) {
        inFlight.set(e.case_id, (inFlight.get(e.case_id) ?? 1) - 1);
        bump(e.agent_id, e.channel, -1);
      } else if (e.type === 'assigned') {
        const v = bump(e.agent_id, e.channel, 1);
        expect(v).toBeLessThanOrEqual(capacities.get(Number(e.agent_id))![e.channel]);
      } else if (e.type === 'solved' && e.data.assigneeId) bump(Number(e.data.assigneeId), e.channel, -1);
    }
    const byRouter = await db.query(`SELECT data->>'router' AS router, count(*)::int AS n FROM case_events WHERE type = 'offered' GROUP BY 1`);
    expect(byRouter.rows.filter((r) => r.router && r.n > 10).length).toBeGreaterThanOrEqual(2);
    // the matching state kept by triggers equals the load recomputed from cases and offers, for every agent
    expect(await loadDrift(db)).toEqual([]);
    // no deadlock or other error reached an agent's answer; only a pool wait on a loaded machine may
    expect(failures.filter((e) => !/timeout exceeded when trying to connect/.test(e.message)).map((e) => e.message)).toEqual([]);
  }, 300_000);
});
