import type pg from 'pg';
import type { Queue } from 'bullmq';
import { withTransaction } from '../../db/pool.js';
import { writeCaseEvent } from '../../db/case-events.js';
import { routingJobId } from '../../contracts/jobs.js';
import { rooms } from '../../contracts/realtime.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';

/**
 * A chat visitor left before an agent took the conversation: the case leaves the queue (its
 * pending offer is rescinded) and is closed as abandoned — the abandonment KPI counts these.
 * Returns false when the case was no longer waiting (an agent had already taken it).
 */
export async function leaveQueue(
  deps: { db: pg.Pool; routingQueue: Queue; realtime: RealtimeEmitter },
  caseId: number,
): Promise<boolean> {
  const out = await withTransaction(deps.db, async (tx) => {
    const c = await tx.query(`SELECT routing_state, first_queued_at FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    if (!c.rowCount || !['waiting', 'offered'].includes(c.rows[0].routing_state)) return null;
    const offers = await tx.query(
      `UPDATE offers SET status = 'rescinded', responded_at = now() WHERE case_id = $1 AND status = 'pending' RETURNING id, agent_id`,
      [caseId],
    );
    await tx.query(
      `UPDATE cases SET routing_state = 'none', enqueue_pending = false, status = 'closed', closed_at = now(), updated_at = now() WHERE id = $1`,
      [caseId],
    );
    for (const o of offers.rows) await writeCaseEvent(tx, { caseId, type: 'rescinded', agentId: o.agent_id, data: { offerId: o.id, reason: 'customer_left' } });
    const waited = c.rows[0].first_queued_at ? Math.round((Date.now() - new Date(c.rows[0].first_queued_at).getTime()) / 1000) : null;
    await writeCaseEvent(tx, { caseId, type: 'abandoned', data: { reason: 'customer_left', waitedSeconds: waited } });
    await writeCaseEvent(tx, { caseId, type: 'closed', data: { by: 'customer', reason: 'customer_left' } });
    return offers.rows as { id: string; agent_id: number }[];
  });
  if (!out) return false;
  await deps.routingQueue.remove(routingJobId(caseId)).catch(() => {});
  for (const o of out) {
    await deps.realtime.emit({ nsp: '/agent', room: rooms.agent(o.agent_id), event: 'offer:rescinded', payload: { offerId: o.id, caseId, reason: 'customer_left' } });
  }
  await deps.realtime.emit({ nsp: '/agent', room: rooms.allAgents, event: 'case:updated', payload: { caseId, status: 'closed', routingState: 'none', event: 'abandoned' } });
  return true;
}
