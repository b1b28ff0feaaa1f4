import type pg from 'pg';
import { withTransaction } from '../../db/pool.js';
import { writeCaseEvent } from '../../db/case-events.js';

/**
 * Stores the customer's rating of a case (one per case; rating again replaces it) and writes a
 * case event ('updated' with data.csat) so KPI code can count ratings in time order with the rest.
 */
export async function rateCase(
  db: pg.Pool,
  o: { caseId: number; customerId: number; rating: number; comment?: string; source: 'chat' | 'portal' | 'link' },
): Promise<void> {
  await withTransaction(db, async (tx) => {
    const c = await tx.query(`SELECT channel, assignee_id, last_agent_id FROM cases WHERE id = $1 FOR UPDATE`, [o.caseId]);
    const row = c.rows[0];
    const agentId = row.assignee_id ?? row.last_agent_id ?? (await lastReplier(tx, o.caseId));
    await tx.query(
      `INSERT INTO csat_ratings (case_id, customer_id, channel, agent_id, rating, comment, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (case_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, agent_id = EXCLUDED.agent_id, updated_at = now()`,
      [o.caseId, o.customerId, row.channel, agentId, o.rating, o.comment ?? '', o.source],
    );
    await writeCaseEvent(tx, {
      caseId: o.caseId,
      type: 'updated',
      agentId,
      data: { csat: { rating: o.rating, satisfied: o.rating >= 4, comment: o.comment ?? '', source: o.source } },
    });
  });
}

async function lastReplier(tx: pg.PoolClient, caseId: number): Promise<number | null> {
  const r = await tx.query(
    `SELECT author_agent_id FROM interactions WHERE case_id = $1 AND direction = 'outbound' AND author_agent_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
    [caseId],
  );
  return r.rows[0]?.author_agent_id ?? null;
}
