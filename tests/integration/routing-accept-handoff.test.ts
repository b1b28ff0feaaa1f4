import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createHarness, loadDrift, until, type AgentClient, type Harness } from '../helpers/routing-harness.js';
import { acceptOffer, offerCase } from '../../server/src/lifecycle/offers.js';
import { presencePayload } from '../../server/src/routing/load.js';
import type { RoutingDeps } from '../../server/src/lifecycle/deps.js';
import type { Channel } from '../../server/src/contracts/vocabulary.js';

// The one-statement accept (routing_accept, migration 1711): the agent's pending offer becomes the case they
// hold without writing their matching state (agent_routing), which must still equal held cases + pending
// offers afterwards whatever the case was before; and the agent's `presence` event after it comes from the
// accept's own answer, not from a read after commit. No router runs here: offers are made directly.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, 0);
});
afterAll(async () => {
  await h?.close();
});

async function offerTo(caseId: number, channel: Channel, agentId: number): Promise<string> {
  const out = await offerCase(h.ctx.app.routingDeps, {
    caseId,
    channel,
    candidates: [agentId],
    stickyId: null,
    payload: (offerId, expiresAt) => ({
      offerId,
      expiresAt,
      case: { id: caseId, number: 0, subject: '', channel, priority: 'normal', type: 'question', queue: null, waitingSeconds: 0 },
      customer: { id: 0, name: null, tier: 'standard' },
    }),
  });
  if (!out.offer) throw new Error(`case ${caseId} could not be offered to agent ${agentId}`);
  return out.offer.offerId;
}

/** The routing deps with every query text the pool is asked for recorded. */
function recording(deps: RoutingDeps): { deps: RoutingDeps; texts: string[] } {
  const texts: string[] = [];
  const db = new Proxy(deps.db, {
    get(target, prop) {
      if (prop === 'query')
        return (...args: Parameters<pg.Pool['query']>) => {
          texts.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { deps: { ...deps, db }, texts };
}

const usedOf = async (agentId: number) =>
  (await h.ctx.db.pool.query(`SELECT used FROM agent_routing WHERE agent_id = $1`, [agentId])).rows[0].used as Record<string, number>;

async function nextPresence(a: AgentClient, after: number) {
  return until(() => a.presence[after], `a presence event for agent ${a.id}`);
}

describe('accept hands the offer over to the held case', () => {
  it('does not write the agent routing row, keeps the load exact, and sends presence from the accept itself', async () => {
    const db = h.ctx.db.pool;
    const q = await h.queue();
    const x = await h.agent({ queueIds: [q.id], available: true });
    const caseId = await h.inbound({ channel: 'chat', queueId: q.id });
    const offerId = await offerTo(caseId, 'chat', x.id);
    expect(await usedOf(x.id)).toMatchObject({ chat: 1 });

    // in the statement's own transaction: the row it would have written carries this transaction's id
    const c = await db.connect();
    try {
      await c.query('BEGIN');
      const r = await c.query(`SELECT outcome, presence, capacity, used FROM routing_accept($1, $2)`, [offerId, x.id]);
      expect(r.rows[0]).toMatchObject({ outcome: 'accepted', presence: 'available', used: { chat: 1 } });
      const w = await c.query(`SELECT xmin::text = pg_current_xact_id()::xid::text AS written FROM agent_routing WHERE agent_id = $1`, [x.id]);
      expect(w.rows[0].written).toBe(false);
      expect((await c.query(`SELECT current_setting('contact_hub.accept_handoff', true) AS v`)).rows[0].v || null).toBeNull();
      await c.query('ROLLBACK');
    } finally {
      // never back to the pool, in whatever state a failed expectation left it
      c.release(true);
    }

    // the same accept through the lifecycle: presence and case:updated after it without reading either back
    const seen = x.presence.length;
    const rec = recording(h.ctx.app.routingDeps);
    expect(await acceptOffer(rec.deps, { offerId, agentId: x.id })).toEqual({ ok: true, caseId });
    expect(rec.texts.filter((t) => /LEFT JOIN agent_routing/.test(t))).toEqual([]);
    expect(rec.texts.filter((t) => /FROM cases/.test(t))).toEqual([]);
    const updated = await until(
      () => x.events.find((e) => e.event === 'case:updated' && (e.payload as { caseId: number }).caseId === caseId),
      'case:updated of the accepted case',
    );
    const now = (await db.query(`SELECT status, priority, queue_id FROM cases WHERE id = $1`, [caseId])).rows[0];
    expect(updated.payload).toEqual({ caseId, status: 'open', priority: now.priority, assigneeId: x.id, routingState: 'assigned', queueId: now.queue_id, event: 'assigned' });
    expect(now.status).toBe('open');
    const p = await nextPresence(x, seen);
    expect(p).toEqual(await presencePayload(db, x.id));
    expect(p.load.chat).toBe('1/3');
    expect(await usedOf(x.id)).toMatchObject({ chat: 1 });
    expect(await loadDrift(db)).toEqual([]);
  });

  it('keeps the load exact when the case was held by another agent, by the same agent, or is no longer held', async () => {
    const db = h.ctx.db.pool;
    const q = await h.queue();
    const x = await h.agent({ queueIds: [q.id], available: true });
    const y = await h.agent({ queueIds: [q.id], available: true });

    // held by y while waiting again (live work re-routed): y's count moves to x; y's presence is read after commit
    const fromY = await h.inbound({ channel: 'email', queueId: q.id });
    await db.query(`UPDATE cases SET assignee_id = $2, status = 'open' WHERE id = $1`, [fromY, y.id]);
    expect(await usedOf(y.id)).toMatchObject({ email: 1 });
    const seenY = y.presence.length;
    // (x had missed an offer: answering this one counts from zero again)
    await db.query(`UPDATE agents SET consecutive_timeouts = 1 WHERE id = $1`, [x.id]);
    expect((await acceptOffer(h.ctx.app.routingDeps, { offerId: await offerTo(fromY, 'email', x.id), agentId: x.id })).ok).toBe(true);
    expect((await db.query(`SELECT consecutive_timeouts FROM agents WHERE id = $1`, [x.id])).rows[0].consecutive_timeouts).toBe(0);
    expect(await usedOf(x.id)).toMatchObject({ email: 1 });
    expect(await usedOf(y.id)).toMatchObject({ email: 0 });
    expect((await nextPresence(y, seenY)).load.email).toBe('0/5');

    // held by x already (pending status) and offered to x again: the offer's count goes, the case's stays
    const own = await h.inbound({ channel: 'email', queueId: q.id });
    await db.query(`UPDATE cases SET assignee_id = $2, status = 'pending' WHERE id = $1`, [own, x.id]);
    const ownOffer = await offerTo(own, 'email', x.id);
    expect(await usedOf(x.id)).toMatchObject({ email: 3 });
    expect((await acceptOffer(h.ctx.app.routingDeps, { offerId: ownOffer, agentId: x.id })).ok).toBe(true);
    expect(await usedOf(x.id)).toMatchObject({ email: 2 });

    // solved while waiting (nothing held after the accept either): the offer's count goes
    const solved = await h.inbound({ channel: 'sms', queueId: q.id });
    await db.query(`UPDATE cases SET status = 'solved' WHERE id = $1`, [solved]);
    const solvedOffer = await offerTo(solved, 'sms', x.id);
    expect(await usedOf(x.id)).toMatchObject({ sms: 1 });
    expect((await acceptOffer(h.ctx.app.routingDeps, { offerId: solvedOffer, agentId: x.id })).ok).toBe(true);
    expect(await usedOf(x.id)).toMatchObject({ sms: 0 });

    expect(await loadDrift(db)).toEqual([]);
  });
});
