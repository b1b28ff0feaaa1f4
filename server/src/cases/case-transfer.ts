import type pg from 'pg';
import { withTransaction } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { badRequest, notFound } from '../lib/errors.js';
import { enqueueCase, markWaiting, type RoutingQueueLike } from '../routing/enqueue.js';

export type TransferTarget = { agentId: number } | { queueId: number };

/**
 * Hands a case to another agent (assigned straight away) or back to a queue (waits for routing,
 * keeping its original place in line).
 */
export async function transferCaseTo(db: pg.Pool, routingQueue: RoutingQueueLike, caseId: number, byAgentId: number, target: TransferTarget): Promise<void> {
  const requeue = await withTransaction(db, async (tx) => {
    const c = (await tx.query(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [caseId])).rows[0];
    if (!c) throw notFound('case');
    if (c.status === 'closed' || c.merged_into_id) throw badRequest('a closed case cannot be transferred');
    await tx.query(`UPDATE offers SET status = 'rescinded', responded_at = now() WHERE case_id = $1 AND status = 'pending'`, [caseId]);
    if ('agentId' in target) {
      const a = await tx.query(`SELECT id FROM agents WHERE id = $1 AND active`, [target.agentId]);
      if (!a.rowCount) throw badRequest('the target agent does not exist or is inactive', [{ field: 'agentId', reason: 'unknown agent' }]);
      await tx.query(
        `UPDATE cases SET assignee_id = $2, routing_state = 'assigned', enqueue_pending = false, last_agent_id = $2, last_agent_at = now(),
                updated_at = now() WHERE id = $1`,
        [caseId, target.agentId],
      );
      await writeCaseEvent(tx, { caseId, type: 'transferred', agentId: byAgentId, data: { fromAgentId: c.assignee_id, toAgentId: target.agentId } });
      return false;
    }
    const q = await tx.query(`SELECT id FROM queues WHERE id = $1`, [target.queueId]);
    if (!q.rowCount) throw badRequest('the target queue does not exist', [{ field: 'queueId', reason: 'unknown queue' }]);
    await tx.query(`UPDATE cases SET queue_id = $2, assignee_id = NULL, updated_at = now() WHERE id = $1`, [caseId, target.queueId]);
    await writeCaseEvent(tx, { caseId, type: 'transferred', agentId: byAgentId, queueId: target.queueId, data: { fromAgentId: c.assignee_id, fromQueueId: c.queue_id, toQueueId: target.queueId } });
    await markWaiting(tx, caseId, 'requeued', { reason: 'transfer' });
    return true;
  });
  if (requeue) await enqueueCase(db, routingQueue, caseId, 'requeue');
}
