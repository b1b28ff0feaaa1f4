/**
 * Merge, the lifecycle side: `sourceId` is folded into `targetId` — its interactions move to the target
 * (one conversation), the source is closed, leaves routing, loses its assignee and points at the target,
 * and a pending offer of it is withdrawn. Both must belong to the same customer. The source's agent has
 * room again: after commit the router is asked to fill it.
 */
import { writeCaseEvent } from '../db/case-events.js';
import { badRequest, conflict, notFound } from '../lib/errors.js';
import { audit } from '../audit/audit-log.js';
import type { Tx } from '../db/pool.js';
import type { RoutingDeps } from './deps.js';
import { applyEffects, noEffects, withEffectsTx } from './effects.js';
import { rescindCaseOfferInTx } from './rescind.js';
import { HELD_STATUSES } from './machine.js';
import type { CaseStatus } from '../contracts/vocabulary.js';

async function lockCase(tx: Tx, caseId: number) {
  const r = await tx.query(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
  if (!r.rowCount) throw notFound('case');
  return r.rows[0];
}

export async function mergeCases(deps: RoutingDeps, sourceId: number, targetId: number, agentId: number): Promise<{ freedAgentId: number | null }> {
  if (sourceId === targetId) throw badRequest('a case cannot be merged into itself');
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx) => {
    const [first, second] = sourceId < targetId ? [sourceId, targetId] : [targetId, sourceId];
    const x = await lockCase(tx, first);
    const y = await lockCase(tx, second);
    const source = x.id === sourceId ? x : y;
    const target = x.id === targetId ? x : y;
    if (source.merged_into_id) throw conflict(`case #${source.number} is already merged`);
    if (target.merged_into_id) throw conflict(`case #${target.number} was merged into another case`);
    if (source.customer_id !== target.customer_id) throw badRequest('only cases of the same customer can be merged; merge the customers first');
    await rescindCaseOfferInTx(tx, sourceId, 'closed', fx);
    await tx.query(`UPDATE interactions SET case_id = $2, updated_at = now() WHERE case_id = $1`, [sourceId, targetId]);
    await tx.query(
      `UPDATE cases SET merged_into_id = $2, status = 'closed', closed_at = now(), routing_state = 'none',
              assignee_id = NULL, updated_at = now() WHERE id = $1`,
      [sourceId, targetId],
    );
    await tx.query(
      `UPDATE cases SET tags = (SELECT array(SELECT DISTINCT unnest(tags || $2::text[]))), last_activity_at = now(), updated_at = now() WHERE id = $1`,
      [targetId, source.tags],
    );
    await tx.query(`INSERT INTO case_links (case_id, linked_case_id, kind) VALUES ($1, $2, 'merged') ON CONFLICT (case_id, linked_case_id) DO UPDATE SET kind = 'merged'`, [sourceId, targetId]);
    await writeCaseEvent(tx, { caseId: sourceId, type: 'merged', agentId, data: { into: targetId } });
    await writeCaseEvent(tx, { caseId: targetId, type: 'updated', agentId, data: { mergedFrom: sourceId } });
    await audit(tx, { actorId: agentId, action: 'merge', entity: 'case', entityId: String(sourceId), after: { into: targetId } });
    const freedAgentId = HELD_STATUSES.includes(source.status as CaseStatus) ? (source.assignee_id as number | null) : null;
    fx.dequeued.push(sourceId);
    fx.match = true;
    if (freedAgentId) {
      fx.presence.push(freedAgentId);
      fx.rooms.push({ agentId: freedAgentId, caseId: sourceId, action: 'leave' });
    }
    return { freedAgentId };
  });
  await applyEffects(deps, fx);
  return res;
}
