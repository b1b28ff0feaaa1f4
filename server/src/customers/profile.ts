import type pg from 'pg';
import { withTransaction, type Queryable, type Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import { badRequest, conflict, notFound } from '../lib/errors.js';
import { audit } from '../audit/audit-log.js';
import { InvalidIdentityError, normaliseIdentity } from '../ingest/identity.js';
import type { AgentRole, IdentityKind } from '../contracts/vocabulary.js';
import { mayReceiveOutbound } from '../outbound/destination-policy.js';
import type { CustomerProfile } from '../contracts/views.js';

export type { CustomerProfile };

/** `scope` limits the listed cases to those the reader may open (access/policy.ts caseScope). */
export async function getCustomer(db: Queryable, customerId: number, scope?: (caseAlias: string, params: unknown[]) => string): Promise<CustomerProfile> {
  const r = await db.query(`SELECT * FROM customers WHERE id = $1`, [customerId]);
  const c = r.rows[0];
  if (!c) throw notFound('customer');
  const ids = await db.query(
    `SELECT id, kind, value, verified, opted_out_at, origin, added_by_role FROM customer_identities WHERE customer_id = $1 ORDER BY kind, id`,
    [customerId],
  );
  const caseParams: unknown[] = [customerId];
  const visible = scope ? scope('cs', caseParams) : 'TRUE';
  const cases = await db.query(
    `SELECT id, number, subject, status, channel, created_at FROM cases cs WHERE customer_id = $1 AND merged_into_id IS NULL AND ${visible} ORDER BY created_at DESC LIMIT 50`,
    caseParams,
  );
  return {
    id: c.id,
    name: c.name,
    language: c.language,
    tier: c.tier,
    tags: c.tags,
    notes: c.notes,
    mergedIntoId: c.merged_into_id,
    createdAt: new Date(c.created_at).toISOString(),
    claimedEmail: c.claimed_email ?? null,
    identities: ids.rows.map((i) => ({
      id: i.id,
      kind: i.kind,
      value: i.value,
      verified: i.verified,
      optedOut: !!i.opted_out_at,
      origin: i.origin,
      addedByRole: i.added_by_role,
      outboundAllowed: i.kind === 'phone' && mayReceiveOutbound(i),
    })),
    cases: cases.rows.map((x) => ({ id: x.id, number: x.number, subject: x.subject, status: x.status, channel: x.channel, createdAt: new Date(x.created_at).toISOString() })),
  };
}

export interface CustomerPatch {
  name?: string;
  language?: string;
  tier?: 'standard' | 'vip';
  tags?: string[];
  notes?: string;
}

export async function updateCustomer(db: pg.Pool, customerId: number, agentId: number, patch: CustomerPatch): Promise<void> {
  await withTransaction(db, async (tx) => {
    const before = (await tx.query(`SELECT name, language, tier, tags, notes FROM customers WHERE id = $1 FOR UPDATE`, [customerId])).rows[0];
    if (!before) throw notFound('customer');
    const tags = patch.tags ? [...new Set(patch.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))] : null;
    await tx.query(
      `UPDATE customers SET name = COALESCE($2, name), language = COALESCE($3, language), tier = COALESCE($4, tier),
              tags = COALESCE($5, tags), notes = COALESCE($6, notes), updated_at = now() WHERE id = $1`,
      [customerId, patch.name?.trim() || null, patch.language ?? null, patch.tier ?? null, tags, patch.notes ?? null],
    );
    await audit(tx, { actorId: agentId, action: 'update', entity: 'customer', entityId: String(customerId), before, after: { ...patch } });
  });
}

/**
 * An identity typed in the workspace is recorded as the staff member's, with their role: a number an agent adds
 * does not receive SMS or calls until a supervisor or admin adds (confirms) it too.
 */
export async function addIdentity(
  db: pg.Pool,
  customerId: number,
  actor: { id: number; role: AgentRole },
  kind: IdentityKind,
  raw: string,
): Promise<{ id: number; value: string }> {
  const agentId = actor.id;
  let value: string;
  try {
    value = normaliseIdentity(kind, raw);
  } catch (err) {
    if (err instanceof InvalidIdentityError) throw badRequest(err.message, [{ field: 'value', reason: err.message }]);
    throw err;
  }
  return withTransaction(db, async (tx) => {
    const c = await tx.query(`SELECT id FROM customers WHERE id = $1 AND merged_into_id IS NULL`, [customerId]);
    if (!c.rowCount) throw notFound('customer');
    const owner = await tx.query(`SELECT id, customer_id, origin, added_by_role FROM customer_identities WHERE kind = $1 AND value = $2 FOR UPDATE`, [kind, value]);
    if (owner.rowCount) {
      const o = owner.rows[0];
      if (o.customer_id === customerId) {
        // A supervisor adding a number an agent typed in confirms it.
        if (o.origin === 'staff' && o.added_by_role === 'agent' && actor.role !== 'agent') {
          await tx.query(`UPDATE customer_identities SET added_by_agent_id = $2, added_by_role = $3 WHERE id = $1`, [o.id, agentId, actor.role]);
          await audit(tx, { actorId: agentId, action: 'identity_confirm', entity: 'customer', entityId: String(customerId), after: { kind, value } });
          return { id: o.id as number, value };
        }
        throw conflict(`${value} is already on this customer`);
      }
      throw conflict(`${value} belongs to customer ${owner.rows[0].customer_id}; merge the two customers instead`);
    }
    const r = await tx.query(
      `INSERT INTO customer_identities (customer_id, kind, value, origin, added_by_agent_id, added_by_role) VALUES ($1, $2, $3, 'staff', $4, $5) RETURNING id`,
      [customerId, kind, value, agentId, actor.role],
    );
    await audit(tx, { actorId: agentId, action: 'identity_add', entity: 'customer', entityId: String(customerId), after: { kind, value } });
    return { id: r.rows[0].id, value };
  });
}

export async function removeIdentity(db: pg.Pool, customerId: number, agentId: number, identityId: number): Promise<void> {
  await withTransaction(db, async (tx) => {
    const r = await tx.query(`DELETE FROM customer_identities WHERE id = $1 AND customer_id = $2 RETURNING kind, value`, [identityId, customerId]);
    if (!r.rowCount) throw notFound('identity');
    await audit(tx, { actorId: agentId, action: 'identity_remove', entity: 'customer', entityId: String(customerId), before: r.rows[0] });
  });
}

/**
 * Merges customer `sourceId` into `targetId`: identities, cases and interactions move to the target,
 * so both histories become one timeline; the source stays as a pointer for old links.
 */
export async function mergeCustomers(db: pg.Pool, sourceId: number, targetId: number, agentId: number): Promise<void> {
  await withTransaction(db, (tx) => mergeCustomersInTx(tx, sourceId, targetId, agentId));
}

/** The merge inside a caller's transaction; `agentId` null = the hub itself (e.g. an address was just proved). */
export async function mergeCustomersInTx(tx: Tx, sourceId: number, targetId: number, agentId: number | null): Promise<void> {
  if (sourceId === targetId) throw badRequest('a customer cannot be merged into itself');
  {
    const rows = (await tx.query(`SELECT * FROM customers WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [[sourceId, targetId]])).rows;
    const source = rows.find((x) => x.id === sourceId);
    const target = rows.find((x) => x.id === targetId);
    if (!source || !target) throw notFound('customer');
    if (source.merged_into_id) throw conflict(`customer ${sourceId} is already merged`);
    if (target.merged_into_id) throw conflict(`customer ${targetId} was merged into another customer`);
    await tx.query(`UPDATE customer_identities SET customer_id = $2 WHERE customer_id = $1`, [sourceId, targetId]);
    const moved = await tx.query(`UPDATE cases SET customer_id = $2, updated_at = now() WHERE customer_id = $1 RETURNING id`, [sourceId, targetId]);
    await tx.query(`UPDATE interactions SET customer_id = $2 WHERE customer_id = $1`, [sourceId, targetId]);
    await tx.query(
      `UPDATE customers SET name = COALESCE(name, $2), tags = (SELECT array(SELECT DISTINCT unnest(tags || $3::text[]))),
              tier = CASE WHEN tier = 'vip' OR $4 = 'vip' THEN 'vip' ELSE tier END,
              notes = CASE WHEN $5 = '' THEN notes WHEN notes = '' THEN $5 ELSE notes || E'\n\n' || $5 END, updated_at = now()
        WHERE id = $1`,
      [targetId, source.name, source.tags, source.tier, source.notes],
    );
    await tx.query(`UPDATE customers SET merged_into_id = $2, updated_at = now() WHERE id = $1`, [sourceId, targetId]);
    for (const c of moved.rows) await writeCaseEvent(tx, { caseId: c.id, type: 'updated', agentId, data: { customerMergedFrom: sourceId, into: targetId } });
    await audit(tx, { actorId: agentId, action: 'merge', entity: 'customer', entityId: String(sourceId), after: { into: targetId } });
  }
}
