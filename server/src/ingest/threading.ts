import type { Tx } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';

export interface ThreadingHints {
  /** The channel knows the case (chat conversation, portal request). Must belong to the customer. */
  caseId?: number;
  /** The sender named the case explicitly (API): one that is not this customer's is an error, not a hint. */
  caseIdRequired?: boolean;
  /** Channel-specific resolver run inside the ingest transaction (e.g. email participant rules). */
  resolveCase?: (tx: Tx, ctx: { customerId: number }) => Promise<number | null>;
  /** Provider message ids this message replies to (e.g. In-Reply-To / References). */
  messageIds?: string[];
  /** Human case number found in the message (e.g. a subject token). */
  caseNumber?: number;
  /** Never thread into an existing case by time window. */
  forceNewCase?: boolean;
}

/** An explicit case that does not exist or belongs to another customer (the whole ingest rolls back). */
export class UnknownCaseError extends Error {
  constructor(public readonly caseId: number) {
    super(`case ${caseId} does not exist or belongs to another customer`);
    this.name = 'UnknownCaseError';
  }
}

export interface ThreadCase {
  id: number;
  number: number;
  status: string;
  assignee_id: number | null;
  routing_state: string;
}

const COLS = `c.id, c.number, c.status, c.assignee_id, c.routing_state, c.merged_into_id`;

/**
 * Which existing case an inbound message belongs to, in order of confidence:
 * explicit case → channel resolver → replied-to message → case number → the customer's
 * open case on the same channel within the window. Only ever a case of this customer.
 */
export async function findThreadCase(
  tx: Tx,
  q: { customerId: number; channel: Channel; hints?: ThreadingHints; windowHours: number },
): Promise<ThreadCase | null> {
  const h = q.hints ?? {};
  const pick = async (sql: string, params: unknown[]) => {
    const r = await tx.query(sql, params);
    return r.rowCount ? followMerge(tx, r.rows[0]) : null;
  };
  if (h.caseId) {
    const c = await pick(`SELECT ${COLS} FROM cases c WHERE c.id = $1 AND c.customer_id = $2 FOR UPDATE`, [h.caseId, q.customerId]);
    if (c) return c;
    if (h.caseIdRequired) throw new UnknownCaseError(h.caseId);
  }
  if (h.resolveCase) {
    const id = await h.resolveCase(tx, { customerId: q.customerId });
    if (id) {
      const c = await pick(`SELECT ${COLS} FROM cases c WHERE c.id = $1 FOR UPDATE`, [id]);
      if (c) return c;
    }
  }
  if (h.messageIds?.length) {
    const c = await pick(
      `SELECT ${COLS} FROM interactions i JOIN cases c ON c.id = i.case_id
        WHERE i.provider_message_id = ANY($1) AND c.customer_id = $2
        ORDER BY i.created_at DESC LIMIT 1 FOR UPDATE OF c`,
      [h.messageIds, q.customerId],
    );
    if (c) return c;
  }
  if (h.caseNumber) {
    const c = await pick(`SELECT ${COLS} FROM cases c WHERE c.number = $1 AND c.customer_id = $2 FOR UPDATE`, [h.caseNumber, q.customerId]);
    if (c) return c;
  }
  if (h.forceNewCase || q.windowHours <= 0) return null;
  return pick(
    `SELECT ${COLS} FROM cases c
      WHERE c.customer_id = $1 AND c.channel = $2 AND c.status IN ('new', 'open', 'pending', 'solved') AND c.merged_into_id IS NULL
        AND c.last_activity_at > now() - make_interval(hours => $3)
      ORDER BY c.last_activity_at DESC LIMIT 1 FOR UPDATE`,
    [q.customerId, q.channel, q.windowHours],
  );
}

async function followMerge(tx: Tx, row: ThreadCase & { merged_into_id: number | null }): Promise<ThreadCase> {
  let cur = row;
  for (let i = 0; cur.merged_into_id && i < 10; i++) {
    const r = await tx.query(`SELECT ${COLS} FROM cases c WHERE c.id = $1 FOR UPDATE`, [cur.merged_into_id]);
    cur = r.rows[0];
  }
  return cur;
}
