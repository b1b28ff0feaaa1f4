import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { noEffects, withEffectsTx } from '../../server/src/lifecycle/effects.js';

/** A pool whose transactions only record their statements (BEGIN/COMMIT/ROLLBACK). */
function fakePool(log: string[]): pg.Pool {
  const client = { query: async (sql: string) => (log.push(sql), { rows: [], rowCount: 0 }), release: () => undefined };
  return { connect: async () => client } as unknown as pg.Pool;
}

describe('a transition retried after a deadlock', () => {
  it('applies only what the committed attempt collected, not what the aborted one did', async () => {
    const log: string[] = [];
    const fx = noEffects();
    let attempt = 0;
    const out = await withEffectsTx(fakePool(log), fx, async () => {
      attempt++;
      // the aborted attempt rescinded an offer and asked for a match pass; the committed one decided otherwise
      if (attempt === 1) {
        fx.rescinded.push({ agentId: 7, offerId: 'o-1', caseId: 3, reason: 'closed' });
        fx.match = true;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      }
      fx.caseUpdates.push({ caseId: 3, event: 'status:open', agentIds: [] });
      return 'done';
    });
    expect(out).toBe('done');
    expect(attempt).toBe(2);
    expect(log).toEqual(['BEGIN', 'ROLLBACK', 'BEGIN', 'COMMIT']);
    expect(fx.rescinded).toEqual([]);
    expect(fx.match).toBe(false);
    expect(fx.caseUpdates.map((u) => u.event)).toEqual(['status:open']);
  });
});
