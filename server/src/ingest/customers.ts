import type { Tx } from '../db/pool.js';
import type { IdentityKind } from '../contracts/vocabulary.js';

export interface CustomerRow {
  id: number;
  name: string | null;
  language: string;
  tier: 'standard' | 'vip';
}

/** A row for raw_events written in the same statement as the customer look-up (see resolveCustomer). */
export interface RawEventRow {
  provider: string;
  providerMessageId: string;
  channel: string;
  headers: string;
  payload: string;
  status: string;
  error: string | null;
}

/**
 * Finds the customer owning an identity or creates both, then locks the customer row
 * so concurrent messages from one customer thread into cases one at a time.
 * One round trip in the common cases: the lookup, the lock and (for a stranger) the creation are one statement.
 *
 * With `raw`, the same statement first records the provider's raw event; when that event is already recorded
 * (a replay: the unique index made this statement wait for the first delivery's commit) nothing else is
 * written and `rawEventId` is null.
 */
export async function resolveCustomer(
  tx: Tx,
  kind: IdentityKind,
  value: string,
  hint?: { name?: string; language?: string },
  raw?: RawEventRow,
): Promise<CustomerRow & { created: boolean; rawEventId: number | null }> {
  const gate = raw ? `AND EXISTS (SELECT 1 FROM raw)` : '';
  const r = await tx.query(
    `WITH ${
      raw
        ? `raw AS (
       INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
       VALUES ($5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
       RETURNING id
     ), `
        : ''
    }found AS (
       SELECT c.id, c.name, c.language, c.tier, c.merged_into_id
         FROM customer_identities i JOIN customers c ON c.id = i.customer_id
        WHERE i.kind = $1 AND i.value = $2 ${gate}
          FOR UPDATE OF c
     ), created AS (
       INSERT INTO customers (name, language) SELECT $3, COALESCE($4::text, (SELECT default_language FROM organisation_settings WHERE id), 'en') WHERE NOT EXISTS (SELECT 1 FROM found) ${gate}
       RETURNING id, name, language, tier
     ), claimed AS (
       INSERT INTO customer_identities (customer_id, kind, value) SELECT id, $1, $2 FROM created
       ON CONFLICT (kind, value) DO NOTHING RETURNING customer_id
     )
     SELECT id, name, language, tier, merged_into_id, false AS created, true AS claimed, ${raw ? '(SELECT id FROM raw)' : 'NULL::bigint'} AS raw_id FROM found
     UNION ALL
     SELECT id, name, language, tier, NULL, true, EXISTS (SELECT 1 FROM claimed), ${raw ? '(SELECT id FROM raw)' : 'NULL::bigint'} FROM created`,
    [
      kind,
      value,
      hint?.name ?? null,
      // none given: the organisation's default language (Admin → Settings)
      hint?.language ?? null,
      ...(raw ? [raw.provider, raw.providerMessageId, raw.channel, raw.headers, raw.payload, raw.status, raw.error] : []),
    ],
  );
  const row = r.rows[0];
  if (!row) return { id: 0, name: null, language: 'en', tier: 'standard', created: false, rawEventId: null };
  const rawEventId: number | null = row.raw_id ?? null;
  if (row.created && row.claimed) return { id: row.id, name: row.name, language: row.language, tier: row.tier, created: true, rawEventId };
  if (row.created) {
    // Another transaction claimed the identity first: use its customer, drop ours.
    await tx.query(`DELETE FROM customers WHERE id = $1`, [row.id]);
    const customerId = await lookup(tx, kind, value);
    if (customerId === null) throw new Error(`identity ${kind}:${value} vanished while resolving`);
    return { ...(await lockCustomer(tx, customerId, hint)), created: false, rawEventId };
  }
  if (row.merged_into_id || (!row.name && hint?.name)) return { ...(await lockCustomer(tx, row.id, hint)), created: false, rawEventId };
  return { id: row.id, name: row.name, language: row.language, tier: row.tier, created: false, rawEventId };
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
