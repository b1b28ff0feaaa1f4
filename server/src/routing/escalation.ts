/**
 * Escalation steps of a queue, e.g. [{"afterSeconds": 120, "overflowQueueId": 3, "priorityDelta": -5}]:
 * once a case has waited that long (since it first entered the queue) it moves to the overflow
 * queue (the step's, else the queue's own overflow queue) and/or its routing priority is raised.
 * Each step applies once per queue; applied steps are `escalated` case events, which the priority
 * computation sums up.
 */
import { writeCaseEvent } from '../db/case-events.js';
import { withTransaction } from '../db/pool.js';
import { computeRoutingPriority } from './priority.js';
import { applyEffects, noEffects } from '../lifecycle/effects.js';
import type { RoutingDeps } from '../lifecycle/deps.js';

interface Step {
  afterSeconds: number;
  overflowQueueId?: number;
  priorityDelta?: number;
}

export async function applyEscalations(deps: RoutingDeps): Promise<number> {
  const r = await deps.db.query(
    `SELECT c.id, c.queue_id, q.escalation_steps, q.overflow_queue_id,
            EXTRACT(EPOCH FROM (now() - c.first_queued_at))::float AS waited,
            COALESCE((SELECT array_agg((e.data->>'step')::int) FROM case_events e
                       WHERE e.case_id = c.id AND e.type = 'escalated' AND (e.data->>'queueId')::bigint = c.queue_id), '{}') AS done
       FROM cases c JOIN queues q ON q.id = c.queue_id
      WHERE c.routing_state IN ('waiting', 'offered') AND jsonb_array_length(q.escalation_steps) > 0`,
  );
  let applied = 0;
  for (const c of r.rows) {
    const steps = (c.escalation_steps as Step[]).map((s, i) => ({ ...s, i })).sort((a, b) => a.afterSeconds - b.afterSeconds);
    const due = steps.filter((s) => s.afterSeconds <= c.waited && !(c.done as number[]).includes(s.i));
    if (!due.length) continue;
    const fx = noEffects();
    await withTransaction(deps.db, async (tx) => {
      const locked = await tx.query(`SELECT queue_id, routing_state FROM cases WHERE id = $1 FOR UPDATE`, [c.id]);
      const cur = locked.rows[0];
      if (!cur || cur.queue_id !== c.queue_id || !['waiting', 'offered'].includes(cur.routing_state)) return;
      for (const s of due) {
        const toQueueId = s.overflowQueueId ?? (s.priorityDelta == null ? c.overflow_queue_id : null);
        await writeCaseEvent(tx, {
          caseId: c.id,
          type: 'escalated',
          data: {
            queueId: c.queue_id,
            step: s.i,
            afterSeconds: s.afterSeconds,
            ...(toQueueId ? { toQueueId } : {}),
            ...(s.priorityDelta != null ? { priorityDelta: s.priorityDelta } : {}),
          },
        });
        applied++;
        if (toQueueId) {
          await tx.query(`UPDATE cases SET queue_id = $2, updated_at = now() WHERE id = $1`, [c.id, toQueueId]);
          break; // the new queue's own steps take over
        }
      }
      const priority = await computeRoutingPriority(tx, c.id);
      await tx.query(`UPDATE cases SET routing_priority = $2 WHERE id = $1`, [c.id, priority]);
      fx.reprioritised.push(c.id);
      fx.caseUpdates.push({ caseId: c.id, event: 'escalated', agentIds: [] });
    });
    await applyEffects(deps, fx);
  }
  return applied;
}
