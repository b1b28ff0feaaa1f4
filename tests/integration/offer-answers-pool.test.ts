import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/routing-harness.js';

// Offer answers have a Postgres pool of their own (DB_POOL_ANSWERS): here the server's routing pool has one
// connection, and a transition holding it (a solve waiting on a lock, say) must not make an accept wait.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ DB_POOL_ROUTING: '1' });
});
afterAll(async () => {
  await h?.close();
});

describe('an agent answering an offer while every routing connection is taken', () => {
  it('is answered at once: accept and decline do not queue behind other transitions', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 2 }, available: true });
    const c1 = await h.inbound({ channel: 'email', queueId: q.id });
    const c2 = await h.inbound({ channel: 'email', queueId: q.id });
    const [o1, o2] = await Promise.all([a.nextOffer((o) => o.case.id === c1), a.nextOffer((o) => o.case.id === c2)]);

    const held = await h.ctx.app.routingDb.connect();
    try {
      const t0 = Date.now();
      expect(await a.accept(o1.offerId)).toEqual({ ok: true, caseId: c1 });
      expect((await a.decline(o2.offerId)).ok).toBe(true);
      // well within the pool's 5 s connection wait the answers would otherwise have queued for
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      held.release();
    }
    const row = await h.ctx.db.pool.query(`SELECT assignee_id, routing_state FROM cases WHERE id = $1`, [c1]);
    expect(row.rows[0]).toEqual({ assignee_id: a.id, routing_state: 'assigned' });
  });
});
