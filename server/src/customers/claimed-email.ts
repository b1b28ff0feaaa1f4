import type { Queryable, Tx } from '../db/pool.js';
import { resolveCustomer } from '../ingest/customers.js';
import { mergeCustomersInTx } from './profile.js';

/**
 * Email addresses typed by anonymous visitors (offline messages, the pre-chat form) are claims, not identities:
 * anyone can type anyone's address. A claim on an address that already belongs to a customer must not put the
 * message into that customer's history or portal, so it is kept on a separate customer carrying the claim
 * (`customers.claimed_email`) until the address is proved by someone who reads its mail.
 */

/** Whether some customer already owns the address as an identity. */
export async function emailIsOwned(db: Queryable, email: string): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM customer_identities WHERE kind = 'email' AND value = $1`, [email]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * The customer holding offline messages that claim `email` (one per address, so an agent sees the claims together):
 * a customer with that claim and no identity at all.
 */
export async function offlineClaimant(db: Queryable, email: string, hint: { name?: string; language?: string }): Promise<number> {
  const found = await db.query(
    `SELECT c.id FROM customers c
      WHERE c.claimed_email = $1 AND c.merged_into_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM customer_identities ci WHERE ci.customer_id = c.id)
      ORDER BY c.id LIMIT 1`,
    [email],
  );
  if (found.rowCount) return found.rows[0].id as number;
  const created = await db.query(`INSERT INTO customers (name, language, claimed_email) VALUES ($1, $2, $3) RETURNING id`, [
    hint.name ?? null,
    hint.language ?? 'en',
    email,
  ]);
  return created.rows[0].id as number;
}

/**
 * Someone just proved they read `email` (a portal magic link, a transcript confirmation link). The address becomes a
 * verified identity — of its existing owner, else of `claimant` (the proving visitor's own customer), else of a new
 * customer — and what was kept apart joins it: the proving visitor's customer and the offline messages that claimed
 * the address (their replies went to that mailbox anyway). Chat conversations of *other* visitors who merely typed
 * the address stay apart: only their own proof brings them in. Returns the customer owning the address.
 */
export async function adoptProvenEmail(tx: Tx, email: string, o: { claimant?: number | null; language?: string } = {}): Promise<number> {
  const claimant = o.claimant ? await surviving(tx, o.claimant) : null;
  const owner = await tx.query(`SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = $1 FOR UPDATE`, [email]);
  let ownerId: number;
  if (owner.rowCount) ownerId = owner.rows[0].customer_id as number;
  else if (claimant) {
    await tx.query(`INSERT INTO customer_identities (customer_id, kind, value, verified) VALUES ($1, 'email', $2, true)`, [claimant, email]);
    ownerId = claimant;
  } else ownerId = (await resolveCustomer(tx, 'email', email, { language: o.language })).id;
  // Follow merges to the surviving record.
  ownerId = await surviving(tx, ownerId);
  await tx.query(`UPDATE customer_identities SET verified = true WHERE kind = 'email' AND value = $1`, [email]);

  const joining = await tx.query(
    `SELECT c.id FROM customers c
      WHERE c.merged_into_id IS NULL AND c.id <> $2
        AND (c.id = $3 OR (c.claimed_email = $1 AND NOT EXISTS (SELECT 1 FROM customer_identities ci WHERE ci.customer_id = c.id)))
      ORDER BY c.id`,
    [email, ownerId, claimant],
  );
  for (const row of joining.rows) await mergeCustomersInTx(tx, row.id as number, ownerId, null);
  await tx.query(`UPDATE customers SET claimed_email = NULL WHERE id = $1 AND claimed_email = $2`, [ownerId, email]);
  return ownerId;
}

async function surviving(tx: Tx, id: number): Promise<number> {
  let current = id;
  for (let i = 0; i < 20; i++) {
    const r = await tx.query(`SELECT merged_into_id FROM customers WHERE id = $1`, [current]);
    const next = r.rows[0]?.merged_into_id as number | null | undefined;
    if (!next) return current;
    current = next;
  }
  return current;
}
