import type { Tx } from '../db/pool.js';
import type { IdentityKind } from '../contracts/channels.js';

export interface CustomerRow {
  id: number;
  name: string | null;
  language: string;
  tier: 'standard' | 'vip';
}

/**
 * Finds the customer owning an identity or creates both, then locks the customer row
 * so concurrent messages from one customer thread into cases one at a time.
 * One round trip in the common cases: the lookup, the lock and (for a stranger) the creation are one statement.
 */
export async function resolveCustomer(
  tx: Tx,
  kind: IdentityKind,
  value: string,
  hint?: { name?: string; language?: string },
): Promise<CustomerRow & { created: boolean }> {
  const r = await tx.query(
    `WITH found AS (
       SELECT c.id, c.name, c.language, c.tier, c.merged_into_id
         FROM customer_identities i JOIN customers c ON c.id = i.customer_id
        WHERE i.kind = $1 AND i.value = $2
          FOR UPDATE OF c
     ), created AS (
       INSERT INTO customers (name, language) SELECT $3, $4 WHERE NOT EXISTS (SELECT 1 FROM found)
       RETURNING id, name, language, tier
     ), claimed AS (
       INSERT INTO customer_identities (customer_id, kind, value) SELECT id, $1, $2 FROM created
       ON CONFLICT (kind, value) DO NOTHING RETURNING customer_id
     )
     SELECT id, name, language, tier, merged_into_id, false AS created, true AS claimed FROM found
     UNION ALL
     SELECT id, name, language, tier, NULL, true, EXISTS (SELECT 1 FROM claimed) FROM created`,
    [kind, value, hint?.name ?? null, hint?.language ?? 'en'],
  );
  const row = r.rows[0];
  if (row.created && row.claimed) return { id: row.id, name: row.name, language: row.language, tier: row.tier, created: true };
  if (row.created) {
    // Another transaction claimed the identity first: use its customer, drop ours.
    await tx.query(`DELETE FROM customers WHERE id = $1`, [row.id]);
    const customerId = await lookup(tx, kind, value);
    if (customerId === null) throw new Error(`identity ${kind}:${value} vanished while resolving`);
    return { ...(await lockCustomer(tx, customerId, hint)), created: false };
  }
  if (row.merged_into_id || (!row.name && hint?.name)) return { ...(await lockCustomer(tx, row.id, hint)), created: false };
  return { id: row.id, name: row.name, language: row.language, tier: row.tier, created: false };
}

/** Locks a customer (following merges to the surviving record) for the rest of the transaction. */
export async function lockCustomer(tx: Tx, id: number, hint?: { name?: string; language?: string }): Promise<CustomerRow> {
  let customerId = id;
  // Follow merges: histories of merged customers live on the surviving record.
  for (;;) {
    const r = await tx.query(`SELECT id, name, language, tier, merged_into_id FROM customers WHERE id = $1 FOR UPDATE`, [customerId]);
    const row = r.rows[0];
    if (!row) throw new Error(`customer ${customerId} does not exist`);
    if (!row.merged_into_id) {
      if (!row.name && hint?.name) {
        await tx.query(`UPDATE customers SET name = $2, updated_at = now() WHERE id = $1`, [row.id, hint.name]);
        row.name = hint.name;
      }
      return { id: row.id, name: row.name, language: row.language, tier: row.tier };
    }
    customerId = row.merged_into_id as number;
  }
}

async function lookup(tx: Tx, kind: IdentityKind, value: string): Promise<number | null> {
  const r = await tx.query(`SELECT customer_id FROM customer_identities WHERE kind = $1 AND value = $2`, [kind, value]);
  return r.rowCount ? (r.rows[0].customer_id as number) : null;
}
