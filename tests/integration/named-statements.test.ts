import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createHarness, type Harness } from '../helpers/routing-harness.js';
import { createPool } from '../../server/src/db/pool.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import { agentForToken } from '../../server/src/auth/sessions.js';
import { checkCase } from '../../server/src/access/policy.js';
import { presencePayload } from '../../server/src/routing/load.js';

// The hot path's statements are prepared once per connection (db/named.ts). A migration that adds a column
// while the hub runs (a rolling upgrade: another node migrated first) must not break them on connections
// that prepared them before. One connection here, so the calls after the migration reuse what the calls
// before it prepared.
let h: Harness;
let one: pg.Pool;
beforeAll(async () => {
  h = await createHarness();
  await h.startRouter();
  one = createPool(h.ctx.db.url, 1);
});
afterAll(async () => {
  await one?.end();
  await h?.close();
});

async function takeAndSolve(agent: Awaited<ReturnType<Harness['agent']>>, queueId: number) {
  const caseId = await h.inbound({ channel: 'email', queueId });
  const offer = await agent.nextOffer((o) => o.case.id === caseId);
  expect(await agent.accept(offer.offerId)).toEqual({ ok: true, caseId });
  const me = await agentForToken(one, agent.token);
  expect(me?.id).toBe(agent.id);
  expect((await checkCase(one, { id: agent.id, role: 'agent' }, 'queues', caseId, 'change')).ok).toBe(true);
  const r = await changeCaseStatus({ ...h.ctx.app.routingDeps, db: one }, { caseId, agentId: agent.id, viewerId: agent.id, status: 'solved', resolutionNote: 'answered' });
  expect((await presencePayload(one, agent.id)).presence).toBe('available');
  return r;
}

describe('an agent solving cases while a migration adds columns to the tables the hot path reads', () => {
  it('solves before and after it, with the whole case view in the answer', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], capacity: { email: 2 }, available: true });
    const before = await takeAndSolve(a, q.id);
    expect(before).toMatchObject({ from: 'open', to: 'solved', changed: true, view: { id: before.caseId, status: 'solved', assigneeId: a.id, resolutionNote: 'answered' } });

    for (const table of ['cases', 'sessions', 'agents', 'agent_routing', 'queues']) {
      await h.ctx.db.pool.query(`ALTER TABLE ${table} ADD COLUMN rolling_upgrade_probe text`);
    }

    const after = await takeAndSolve(a, q.id);
    expect(after).toMatchObject({ from: 'open', to: 'solved', changed: true, view: { id: after.caseId, status: 'solved', assigneeId: a.id } });
    // the solved case answers over HTTP as before
    const res = await fetch(`${h.base}/api/v1/cases/${after.caseId}`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(res.status).toBe(200);
  });
});
