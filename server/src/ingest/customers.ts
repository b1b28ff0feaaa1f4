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
 */
export async function resolveCustomer(
  tx: Tx,
  kind: IdentityKind,
  value: string,
  hint?: { name?: string; language?: string },
): Promise<CustomerRow> {
  let customerId = await lookup(tx, kind, value);
  if (customerId === null) {
    const created = await tx.query(`INSERT INTO customers (name, language) VALUES ($1, $2) RETURNING id`, [
      hint?.name ?? null,
      hint?.language ?? 'en',
    ]);
    const claimed = await tx.query(
      `INSERT INTO customer_identities (customer_id, kind, value) VALUES ($1, $2, $3)
       ON CONFLICT (kind, value) DO NOTHING RETURNING customer_id`,
      [created.rows[0].id, kind, value],
    );
    if (claimed.rowCount) customerId = created.rows[0].id as number;
    else {
      // Another transaction claimed the identity first: use its customer, drop ours.
      await tx.query(`DELETE FROM customers WHERE id = $1`, [created.rows[0].id]);
      customerId = await lookup(tx, kind, value);
      if (customerId === null) throw new Error(`identity ${kind}:${value} vanished while resolving`);
    }
  }
  return lockCustomer(tx, customerId, hint);
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
