import type { FastifyInstance } from 'fastify';
import { withTransaction } from '../../db/pool.js';
import { writeCaseEvent } from '../../db/case-events.js';
import { markWaiting, enqueueCase } from '../../routing/enqueue.js';
import { badRequest, notFound } from '../../lib/errors.js';

/**
 * Moves the case of a transferred call to its new holder: a queue (the case waits again, keeping its place) or an
 * agent (assigned at once).
 */
export async function transferCaseForCall(
  app: FastifyInstance,
  t: { caseId: number; actorId: number; toAgentId?: number; toQueueId?: number; mode: 'cold' | 'warm' },
): Promise<void> {
  const requeue = await withTransaction(app.db, async (tx) => {
    const c = await tx.query(`SELECT id, assignee_id FROM cases WHERE id = $1 FOR UPDATE`, [t.caseId]);
    if (!c.rowCount) throw notFound('case');
    const from = c.rows[0].assignee_id;
    if (t.toQueueId) {
      if (!(await tx.query(`SELECT 1 FROM queues WHERE id = $1`, [t.toQueueId])).rowCount) throw badRequest('toQueueId: no such queue');
      await tx.query(`UPDATE cases SET queue_id = $2, assignee_id = NULL, routing_state = 'none', updated_at = now() WHERE id = $1`, [t.caseId, t.toQueueId]);
      await writeCaseEvent(tx, { caseId: t.caseId, type: 'transferred', agentId: t.actorId, queueId: t.toQueueId, data: { fromAgentId: from, toQueueId: t.toQueueId, mode: t.mode } });
      await markWaiting(tx, t.caseId, 'requeued', { transfer: true });
      return true;
    }
    if (!(await tx.query(`SELECT 1 FROM agents WHERE id = $1 AND active`, [t.toAgentId])).rowCount) throw badRequest('toAgentId: no such active agent');
    await tx.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', updated_at = now() WHERE id = $1`, [t.caseId, t.toAgentId]);
    await writeCaseEvent(tx, { caseId: t.caseId, type: 'transferred', agentId: t.actorId, data: { fromAgentId: from, toAgentId: t.toAgentId, mode: t.mode } });
    await writeCaseEvent(tx, { caseId: t.caseId, type: 'assigned', agentId: t.toAgentId, data: { via: 'transfer' } });
    return false;
  });
  if (requeue) await enqueueCase(app.db, app.queues.routing, t.caseId, 'requeue', app.log);
}
