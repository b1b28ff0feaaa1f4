/**
 * Editing a case's descriptive fields (subject, priority, type, tags) from the case page or an automation
 * rule. Priority is part of the routing order: a waiting case whose priority changed is re-ranked in the same
 * transaction and takes its new place in the routing queue after commit, as a bulk action or a macro does
 * (case-actions.ts). Every change is a case event so reports can follow it.
 */
import { writeCaseEvent, withCause, type CaseEventCause } from '../db/case-events.js';
import { notFound } from '../lib/errors.js';
import { reindexSearchRow } from '../search/search-indexer.js';
import type { CasePriority, CaseType } from '../contracts/vocabulary.js';
import type { RoutingDeps } from './deps.js';
import { applyEffects, noEffects, withEffectsTx } from './effects.js';
import { rerankIfWaitingInTx } from './queue.js';

export interface CasePatch {
  subject?: string;
  priority?: CasePriority;
  type?: CaseType;
  tags?: string[];
}

/** Returns the names of the fields that changed; `agentId` null with a `cause`: an automation rule edits the case. */
export async function editCase(deps: RoutingDeps, caseId: number, agentId: number | null, patch: CasePatch, cause?: CaseEventCause): Promise<string[]> {
  const fx = noEffects();
  const changed = await withEffectsTx(deps.db, fx, async (tx) => {
    const r = await tx.query(`SELECT subject, priority, type, tags, routing_state FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    const c = r.rows[0];
    if (!c) throw notFound('case');
    const fields: string[] = [];
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const tags = patch.tags ? [...new Set(patch.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))] : undefined;
    for (const [key, value] of Object.entries({ subject: patch.subject, priority: patch.priority, type: patch.type, tags })) {
      if (value === undefined || JSON.stringify(value) === JSON.stringify(c[key])) continue;
      fields.push(key);
      before[key] = c[key];
      after[key] = value;
    }
    if (!fields.length) return fields;
    await tx.query(
      `UPDATE cases SET subject = COALESCE($2, subject), priority = COALESCE($3, priority), type = COALESCE($4, type),
              tags = COALESCE($5, tags), updated_at = now() WHERE id = $1`,
      [caseId, after.subject ?? null, after.priority ?? null, after.type ?? null, after.tags ?? null],
    );
    // the search side table follows an edited subject at once (the indexer only picks up new cases)
    if (after.subject !== undefined) await reindexSearchRow(tx, 'cases', caseId);
    if (after.priority) {
      await writeCaseEvent(tx, { caseId, type: 'priority_changed', agentId, data: withCause({ from: before.priority, to: after.priority }, cause) });
      await rerankIfWaitingInTx(tx, caseId, c.routing_state, fx);
    }
    await writeCaseEvent(tx, { caseId, type: 'updated', agentId, data: withCause({ before, after }, cause) });
    fx.caseUpdates.push({ caseId, event: after.priority ? 'priority' : 'updated', agentIds: [] });
    return fields;
  });
  await applyEffects(deps, fx);
  return changed;
}
