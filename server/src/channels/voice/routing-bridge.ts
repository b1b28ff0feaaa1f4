import type pg from 'pg';
import type { Tx } from '../../db/pool.js';
import { withTransaction } from '../../db/pool.js';
import { writeCaseEvent } from '../../db/case-events.js';
import { enqueueCase, markWaiting, type RoutingQueueLike } from '../../routing/enqueue.js';
import { routingJobId } from '../../contracts/jobs.js';
import { rooms } from '../../contracts/realtime.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';

export interface VoiceRoutingDeps {
  db: pg.Pool;
  routingQueue: (RoutingQueueLike & { remove?(jobId: string): Promise<unknown> }) | null;
  realtime?: RealtimeEmitter;
}

/**
 * The caller left the queue (hung up, or went to voicemail): the case stops waiting, a pending offer is
 * withdrawn and an `abandoned` event records the wait. A case already with an agent is left alone.
 */
export async function withdrawCall(deps: VoiceRoutingDeps, caseId: number, reason: 'abandoned' | 'customer_left'): Promise<boolean> {
  const res = await withTransaction(deps.db, async (tx) => {
    const c = await tx.query(`SELECT routing_state FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    if (!c.rowCount || !['waiting', 'offered'].includes(c.rows[0].routing_state)) return null;
    const offers = await tx.query(
      `UPDATE offers SET status = 'rescinded', responded_at = now() WHERE case_id = $1 AND status = 'pending' RETURNING id, agent_id`,
      [caseId],
    );
    const w = await tx.query(
      `UPDATE cases SET routing_state = 'none', enqueue_pending = false, updated_at = now() WHERE id = $1
       RETURNING EXTRACT(EPOCH FROM (now() - first_queued_at))::float AS waited`,
      [caseId],
    );
    for (const o of offers.rows) await writeCaseEvent(tx, { caseId, type: 'rescinded', agentId: o.agent_id, data: { offerId: o.id, reason } });
    await writeCaseEvent(tx, { caseId, type: 'abandoned', data: { reason, waitedSeconds: w.rows[0].waited } });
    return offers.rows as { id: string; agent_id: number }[];
  });
  if (!res) return false;
  await deps.routingQueue?.remove?.(routingJobId(caseId)).catch(() => {});
  for (const o of res) {
    await deps.realtime?.emit({ nsp: '/agent', room: rooms.agent(o.agent_id), event: 'offer:rescinded', payload: { offerId: o.id, caseId, reason } }).catch(() => {});
  }
  return true;
}

/** The assigned agent did not pick up: the case goes back to waiting in its original place. */
export async function requeueUnansweredCall(deps: VoiceRoutingDeps, caseId: number, agentId: number): Promise<void> {
  const moved = await withTransaction(deps.db, async (tx: Tx) => {
    const c = await tx.query(`SELECT assignee_id, routing_state FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    if (!c.rowCount || c.rows[0].assignee_id !== agentId) return false;
    await tx.query(`UPDATE cases SET assignee_id = NULL, routing_state = 'none', updated_at = now() WHERE id = $1`, [caseId]);
    await writeCaseEvent(tx, { caseId, type: 'unassigned', agentId, data: { reason: 'agent_did_not_answer' } });
    await markWaiting(tx, caseId, 'requeued', { reason: 'agent_did_not_answer' });
    return true;
  });
  if (moved && deps.routingQueue) await enqueueCase(deps.db, deps.routingQueue, caseId, 'requeue');
}
