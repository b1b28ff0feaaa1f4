import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import { caseIdFromMessageId } from './message-ids.js';

export interface EmailThreadQuery {
  sender: string;
  /** The customer owning the sender's address, if known. */
  senderCustomerId: number | null;
  /** In-Reply-To first, then References (newest last). */
  messageIds: string[];
  subject: string;
}

export interface EmailThreadMatch {
  caseId: number;
  customerId: number;
  via: 'message-id' | 'subject-token';
}

const SUBJECT_TOKEN = /\[#(\d{1,12})\]/;

export function subjectCaseNumber(subject: string): number | null {
  const m = SUBJECT_TOKEN.exec(subject);
  return m ? Number(m[1]) : null;
}

/**
 * Which case a mail continues. It joins a case only when the sender belongs there (the case's customer,
 * under any of their addresses, or a recorded participant), so a stranger quoting one of our Message-IDs,
 * e.g. someone answering a forwarded mail, never lands in another customer's case.
 * 1. In-Reply-To / References match a Message-ID we stored or generated;
 * 2. else the subject carries the case token [#1234];
 * 3. else nothing: the mail opens a new case.
 */
export async function resolveEmailCase(db: Queryable, key: Buffer, q: EmailThreadQuery): Promise<EmailThreadMatch | null> {
  if (q.messageIds.length) {
    const candidates: number[] = [];
    const stored = await db.query(
      `SELECT i.case_id, max(i.id) AS last FROM interactions i
        WHERE i.channel = 'email' AND i.provider = 'email' AND i.provider_message_id = ANY($1)
        GROUP BY i.case_id ORDER BY last DESC`,
      // A reused Message-ID is stored under a sender-specific key (see inbound): include this sender's keys.
      [[...q.messageIds, ...q.messageIds.map((id) => senderScopedMessageId(id, q.sender))]],
    );
    for (const r of stored.rows) candidates.push(r.case_id);
    for (const id of q.messageIds) {
      const c = caseIdFromMessageId(key, id);
      if (c && !candidates.includes(c)) candidates.push(c);
    }
    for (const caseId of candidates) {
      const ok = await senderBelongs(db, caseId, q);
      if (ok) return { ...ok, via: 'message-id' };
    }
  }
  const number = subjectCaseNumber(q.subject);
  if (number) {
    const r = await db.query(`SELECT id FROM cases WHERE number = $1`, [number]);
    if (r.rowCount) {
      const ok = await senderBelongs(db, r.rows[0].id, q);
      if (ok) return { ...ok, via: 'subject-token' };
    }
  }
  return null;
}

async function senderBelongs(db: Queryable, caseId: number, q: EmailThreadQuery): Promise<{ caseId: number; customerId: number } | null> {
  // Follow merges: the surviving case carries on the thread.
  let id = caseId;
  let row: { id: number; customer_id: number; merged_into_id: number | null } | undefined;
  for (let i = 0; i < 10; i++) {
    row = (await db.query(`SELECT id, customer_id, merged_into_id FROM cases WHERE id = $1`, [id])).rows[0];
    if (!row?.merged_into_id) break;
    id = row.merged_into_id;
  }
  if (!row) return null;
  const r = await db.query(
    `SELECT
       $3::bigint IS NOT NULL AND $3::bigint = $2 AS is_customer,
       EXISTS (SELECT 1 FROM customer_identities ci WHERE ci.kind = 'email' AND ci.value = $4
                 AND (ci.customer_id = $2 OR ci.customer_id IN (SELECT c2.id FROM customers c2 WHERE c2.merged_into_id = $2))) AS own_address,
       EXISTS (SELECT 1 FROM case_participants p WHERE p.case_id = ANY($1) AND p.kind = 'email' AND p.value = $4) AS participant`,
    [[caseId, row.id], row.customer_id, q.senderCustomerId, q.sender],
  );
  const v = r.rows[0];
  return v.is_customer || v.own_address || v.participant ? { caseId: row.id, customerId: row.customer_id } : null;
}

/** The provider id of a mail whose Message-ID another sender already used. */
export function senderScopedMessageId(messageId: string, sender: string): string {
  return `${messageId}#${createHash('sha256').update(sender).digest('hex').slice(0, 16)}`;
}
