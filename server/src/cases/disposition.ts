/**
 * A case's disposition (wrap-up code): what the contact was about, chosen by the agent from the codes
 * offered in the case's queue (global ones and the queue's own). Reports filter and break down by it.
 */
import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { badRequest, notFound } from '../lib/errors.js';
import type { CaseDisposition, Disposition } from '../contracts/agent-states.js';

export const DISPOSITION_SELECT = `SELECT d.id, d.code, d.label_en AS "labelEn", d.label_fa AS "labelFa", d.queue_id AS "queueId", d.active FROM dispositions d`;

export async function caseDisposition(db: Queryable, caseId: number): Promise<CaseDisposition> {
  const c = await db.query(
    `SELECT c.disposition_id, c.queue_id, coalesce(q.disposition_required, false) AS required FROM cases c LEFT JOIN queues q ON q.id = c.queue_id WHERE c.id = $1`,
    [caseId],
  );
  if (!c.rowCount) throw notFound('case');
  const row = c.rows[0];
  const options = await db.query<Disposition>(
    `${DISPOSITION_SELECT} WHERE d.active AND (d.queue_id IS NULL OR d.queue_id = $1) ORDER BY d.queue_id NULLS LAST, d.label_en, d.id`,
    [row.queue_id],
  );
  return { dispositionId: row.disposition_id === null ? null : Number(row.disposition_id), required: row.required, options: options.rows };
}

/** Sets (or clears, null) the case's disposition; one `updated` case event for the timeline. */
export async function setCaseDisposition(db: pg.Pool, caseId: number, dispositionId: number | null, agentId: number): Promise<CaseDisposition> {
  await withTransaction(db, async (tx) => {
    const c = await tx.query(`SELECT queue_id, disposition_id FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
    if (!c.rowCount) throw notFound('case');
    if (dispositionId !== null) {
      const ok = await tx.query(`SELECT 1 FROM dispositions WHERE id = $1 AND active AND (queue_id IS NULL OR queue_id = $2)`, [dispositionId, c.rows[0].queue_id]);
      if (!ok.rowCount) throw badRequest('this disposition is not offered in the case’s queue', [{ field: 'dispositionId', reason: 'not an active disposition of the queue' }]);
    }
    const before = c.rows[0].disposition_id === null ? null : Number(c.rows[0].disposition_id);
    if (before === dispositionId) return;
    await tx.query(`UPDATE cases SET disposition_id = $2, updated_at = now() WHERE id = $1`, [caseId, dispositionId]);
    await writeCaseEvent(tx, { caseId, type: 'updated', agentId, data: { before: { dispositionId: before }, after: { dispositionId } } });
  });
  return caseDisposition(db, caseId);
}
