/**
 * A set of actions on one case in one transaction, with one audit entry: what a bulk action or a macro
 * does to each case. Status goes through `applyTransition` (status.ts), assignment and queue transfers
 * through transfer.ts, so the state machines decide as they do for a single action; priority, type and
 * tags are written here with their case events (a waiting case whose priority changed is re-ranked).
 *
 * Order inside the transaction: assignment or queue first (they lock agents before the case, the
 * router's lock order), then the case's own fields, then status (so "assign and solve" works).
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { audit } from '../audit/audit-log.js';
import { badRequest, conflict, notFound } from '../lib/errors.js';
import type { MacroAction } from '../contracts/case-views.js';
import type { RoutingDeps } from './deps.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { rerankIfWaitingInTx } from './queue.js';
import { assignToAgentInTx, transferToQueueInTx } from './transfer.js';
import { applyTransition } from './status.js';
import { canTransition } from './machine.js';

export interface CaseActionsInput {
  caseId: number;
  actorId: number;
  actions: readonly MacroAction[];
  /** the audit entry's action, e.g. "case.bulk" or "case.macro" */
  auditAction: string;
  /** added to the audit entry's `after` (e.g. the macro's id) */
  auditNote?: Record<string, unknown>;
}

async function lockCase(tx: Tx, caseId: number) {
  const r = await tx.query(`SELECT id, status, priority, type, tags, assignee_id, routing_state FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
  return r.rows[0] as { id: number; status: string; priority: string; type: string; tags: string[]; assignee_id: number | null; routing_state: string } | undefined;
}

const RANK: Record<MacroAction['kind'], number> = { assign: 0, queue: 0, priority: 1, type: 1, tags: 1, status: 2 };

/** What the audit entry shows of a case before and after. */
async function snapshot(tx: Tx, caseId: number) {
  const r = await tx.query(`SELECT status, priority, type, tags, assignee_id, queue_id FROM cases WHERE id = $1`, [caseId]);
  const c = r.rows[0];
  if (!c) throw notFound('case');
  return { status: c.status, priority: c.priority, type: c.type, tags: c.tags, assigneeId: c.assignee_id, queueId: c.queue_id };
}

async function applyOne(tx: Tx, caseId: number, actorId: number, a: MacroAction, fx: Effects): Promise<void> {
  switch (a.kind) {
    case 'assign':
      // its effects (rooms, presence, case:updated) come with the assignment
      await assignToAgentInTx(tx, { caseId, actorId, agentId: a.agentId }, 'supervisor', fx, { audit: false });
      return;
    case 'queue':
      await transferToQueueInTx(tx, { caseId, actorId, toQueueId: a.queueId }, fx, { audit: false });
      return;
    case 'priority': {
      const c = await lockCase(tx, caseId);
      if (!c) throw notFound('case');
      if (c.priority === a.priority) return;
      await tx.query(`UPDATE cases SET priority = $2, updated_at = now() WHERE id = $1`, [caseId, a.priority]);
      await writeCaseEvent(tx, { caseId, type: 'priority_changed', agentId: actorId, data: { from: c.priority, to: a.priority } });
      await rerankIfWaitingInTx(tx, caseId, c.routing_state, fx);
      fx.caseUpdates.push({ caseId, event: 'priority', agentIds: [] });
      return;
    }
    case 'type':
    case 'tags': {
      const c = await lockCase(tx, caseId);
      if (!c) throw notFound('case');
      const norm = (xs: string[] | undefined) => (xs ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean);
      const before = { type: c.type, tags: c.tags as string[] };
      const after =
        a.kind === 'type'
          ? { ...before, type: a.type }
          : { ...before, tags: [...new Set([...before.tags.filter((t) => !norm(a.remove).includes(t)), ...norm(a.add)])] };
      if (JSON.stringify(after) === JSON.stringify(before)) return;
      await tx.query(`UPDATE cases SET type = $2, tags = $3, updated_at = now() WHERE id = $1`, [caseId, after.type, after.tags]);
      await writeCaseEvent(tx, { caseId, type: 'updated', agentId: actorId, data: { before, after } });
      fx.caseUpdates.push({ caseId, event: 'updated', agentIds: [] });
      return;
    }
    case 'status': {
      const c = await lockCase(tx, caseId);
      if (!c) throw notFound('case');
      if (c.status === a.status) return;
      if (!canTransition(c.status, a.status)) throw conflict(`a ${c.status} case cannot become ${a.status}`);
      if (a.status === 'solved' && !a.resolutionNote?.trim()) throw badRequest('a resolution note is required to solve a case', [{ field: 'resolutionNote', reason: 'required when solving' }]);
      const pendingUntil = a.status === 'pending' ? new Date(Date.now() + (a.pendingHours ?? 24) * 3_600_000) : null;
      await applyTransition(tx, c, { caseId, status: a.status, agentId: actorId, resolutionNote: a.resolutionNote?.trim() }, pendingUntil, fx);
      return;
    }
  }
}

/** Applies the actions to one case, all or nothing, with exactly one audit entry when anything changed. Throws HttpError 400/404/409. */
export async function applyCaseActionsInTx(tx: Tx, input: CaseActionsInput, fx: Effects): Promise<void> {
  const before = await snapshot(tx, input.caseId);
  const ordered = [...input.actions].sort((x, y) => RANK[x.kind] - RANK[y.kind]);
  for (const a of ordered) await applyOne(tx, input.caseId, input.actorId, a, fx);
  const after = await snapshot(tx, input.caseId);
  // nothing changed (already so): nothing to record
  if (JSON.stringify(after) === JSON.stringify(before)) return;
  await audit(tx, { actorId: input.actorId, action: input.auditAction, entity: 'case', entityId: input.caseId, before, after: { ...after, ...(input.auditNote ?? {}) } });
}

export async function applyCaseActions(deps: RoutingDeps, input: CaseActionsInput): Promise<void> {
  const fx = noEffects();
  await withEffectsTx(deps.db, fx, async (tx) => {
    await applyCaseActionsInTx(tx, input, fx);
  });
  await applyEffects(deps, fx);
}
