import type { Queryable } from '../../db/pool.js';
import { caseIdFromMessageId } from './message-ids.js';

export interface BouncedMessage {
  caseId: number;
  interactionId: number;
  customerId: number;
}

/**
 * A delivery report quotes the headers of the mail that bounced. When that was one of ours (a Message-ID
 * carrying a valid case tag), the report belongs to that case, and the reply it reports on did not arrive.
 */
export async function findBouncedMessages(db: Queryable, key: Buffer, raw: Buffer): Promise<BouncedMessage[]> {
  const text = raw.subarray(0, 2 * 1024 * 1024).toString('latin1');
  const ids = new Set(text.match(/ch\.\d{1,15}\.\d{1,15}\.[0-9a-f]{16}@[A-Za-z0-9.-]+/g) ?? []);
  const out: BouncedMessage[] = [];
  for (const id of ids) {
    const caseId = caseIdFromMessageId(key, id);
    if (!caseId) continue;
    const interactionId = Number(id.split('.')[2]);
    const r = await db.query(
      `SELECT i.id, c.customer_id FROM interactions i JOIN cases c ON c.id = i.case_id
        WHERE i.id = $1 AND i.case_id = $2 AND i.direction = 'outbound'`,
      [interactionId, caseId],
    );
    if (r.rowCount) out.push({ caseId, interactionId, customerId: r.rows[0].customer_id });
  }
  return out;
}

/** The reason a delivery report gives, e.g. "550 5.1.1 user unknown". */
export function bounceReason(raw: Buffer): string {
  const text = raw.subarray(0, 2 * 1024 * 1024).toString('utf8');
  const diag = /^Diagnostic-Code:\s*(?:smtp;\s*)?(.+(?:\r?\n[ \t].+)*)/im.exec(text)?.[1];
  const status = /^Status:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(text)?.[1];
  const reason = (diag ?? (status ? `status ${status}` : 'the recipient server returned the message')).replace(/\s+/g, ' ').trim();
  return `bounced: ${reason}`.slice(0, 1000);
}

/** Marks the bounced replies failed; returns the ones that changed (for the agents looking at them). */
export async function markBounced(db: Queryable, interactionIds: number[], reason: string): Promise<{ id: number; caseId: number }[]> {
  if (!interactionIds.length) return [];
  const r = await db.query(
    `UPDATE interactions SET delivery_status = 'failed', delivery_error = $2, updated_at = now()
      WHERE id = ANY($1) AND direction = 'outbound' AND delivery_status IN ('sent', 'delivered')
      RETURNING id, case_id`,
    [interactionIds, reason],
  );
  return r.rows.map((x) => ({ id: x.id, caseId: x.case_id }));
}
