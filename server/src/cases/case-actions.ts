import type pg from 'pg';
import { withTransaction, type Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { badRequest, notFound } from '../lib/errors.js';
import type { CaseStatus } from '../contracts/vocabulary.js';

async function lockCase(tx: Tx, caseId: number) {
  const r = await tx.query(`SELECT id FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
  if (!r.rowCount) throw notFound('case');
}

export interface StatusChange {
  status: CaseStatus;
  resolutionNote?: string;
  pendingUntil?: string;
}

/**
 * The workspace's rules on top of the lifecycle: solving needs a resolution note (what was wrong,
 * what fixed it) and pending needs a follow-up reminder date in the future.
 */
export function validateStatusChange(change: StatusChange): { status: CaseStatus; resolutionNote?: string; pendingUntil: Date | null } {
  const note = change.resolutionNote?.trim();
  if (change.status === 'solved' && !note) throw badRequest('a resolution note is required to solve a case', [{ field: 'resolutionNote', reason: 'required when solving' }]);
  let pendingUntil: Date | null = null;
  if (change.status === 'pending') {
    pendingUntil = change.pendingUntil ? new Date(change.pendingUntil) : null;
    if (!pendingUntil || Number.isNaN(pendingUntil.getTime())) throw badRequest('a follow-up reminder date is required for pending', [{ field: 'pendingUntil', reason: 'required when pending' }]);
    if (pendingUntil.getTime() < Date.now() - 60_000) throw badRequest('the follow-up reminder date is in the past', [{ field: 'pendingUntil', reason: 'must be in the future' }]);
  }
  return { status: change.status, resolutionNote: note, pendingUntil };
}

export async function linkCases(db: pg.Pool, caseId: number, otherId: number, agentId: number, kind: 'related' | 'follow_up' = 'related'): Promise<void> {
  if (caseId === otherId) throw badRequest('a case cannot be linked to itself');
  await withTransaction(db, async (tx) => {
    const [a, b] = caseId < otherId ? [caseId, otherId] : [otherId, caseId];
    await lockCase(tx, a);
    await lockCase(tx, b);
    const r = await tx.query(
      `INSERT INTO case_links (case_id, linked_case_id, kind) SELECT $1, $2, $3
        WHERE NOT EXISTS (SELECT 1 FROM case_links WHERE (case_id, linked_case_id) IN (($1, $2), ($2, $1)))`,
      [caseId, otherId, kind],
    );
    if (r.rowCount) await writeCaseEvent(tx, { caseId, type: 'updated', agentId, data: { linked: otherId, kind } });
  });
}

export async function unlinkCases(db: pg.Pool, caseId: number, otherId: number): Promise<void> {
  await db.query(`DELETE FROM case_links WHERE (case_id, linked_case_id) IN (($1, $2), ($2, $1)) AND kind <> 'merged'`, [caseId, otherId]);
}
