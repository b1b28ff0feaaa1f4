import type { Queryable } from '../db/pool.js';
import type { IdentityKind } from '../contracts/vocabulary.js';
import type { RawEventRow } from './customers.js';
import { namedStatement, runNamed } from '../db/named.js';
import { dueAfter } from '../sla/policy.js';

/** The columns of an inbound interaction other than its case and customer (known only inside the statement). */
export interface InteractionFields {
  kind: string;
  fromAddress: string;
  toAddress: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  provider: string;
  providerMessageId: string;
  /** JSON text */
  metadata: string;
}

/** A new case as the message opens it, computed before the statement (queue, SLA, routing place). */
export interface NewCaseFields {
  subject: string;
  type: string;
  priority: string;
  channel: string;
  queueId: number | null;
  tags: string[];
  /** minutes after the case's creation (the statement's now()) */
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  /** null: the case is not queued (the message does not wake an agent) */
  routingPriority: number | null;
  /** JSON text of the `created` and `queued` events */
  createdEvent: string;
  queuedEvent: string;
}

export interface FirstContactInput {
  identity: { kind: IdentityKind; value: string };
  /** language null: the organisation's default language (Admin → Settings) */
  customer: { name: string | null; language: string | null };
  raw: RawEventRow;
  case: NewCaseFields;
  interaction: InteractionFields;
}

export interface FirstContactResult {
  customerId: number;
  customerLanguage: string;
  caseId: number;
  caseNumber: number;
  interactionId: number;
  firstQueuedAt: Date | null;
}

/**
 * The first message from an identity the hub has never seen, recorded in ONE statement and so in one
 * transaction and one round trip: raw event, customer, identity, case (with its routing state), its
 * `created`/`queued` events and the interaction. A stranger has no case to thread into, so nothing here
 * needs a decision taken halfway.
 *
 * Writes nothing and answers null when the identity is already known (as of the statement's snapshot) or
 * the provider id was recorded before (a replay): the caller then takes the general path, which threads,
 * reopens and recognises replays. A stranger's identity claimed concurrently by another message makes the
 * identity insert fail (unique violation) and the whole statement roll back: also null.
 */
export async function recordFirstContact(db: Queryable, m: FirstContactInput): Promise<FirstContactResult | null> {
  try {
    const r = await runNamed(db, FIRST_CONTACT, [
      m.identity.kind,
      m.identity.value,
      m.raw.provider,
      m.raw.providerMessageId,
      m.raw.channel,
      m.raw.headers,
      m.raw.payload,
      m.raw.status,
      m.raw.error,
      m.customer.name,
      m.customer.language,
      m.case.subject,
      m.case.type,
      m.case.priority,
      m.case.channel,
      m.case.queueId,
      m.case.tags,
      m.case.firstResponseMinutes,
      m.case.resolutionMinutes,
      m.case.routingPriority,
      m.case.createdEvent,
      m.case.queuedEvent,
      m.interaction.kind,
      m.interaction.fromAddress,
      m.interaction.toAddress,
      m.interaction.subject,
      m.interaction.text,
      m.interaction.html,
      m.interaction.provider,
      m.interaction.providerMessageId,
      m.interaction.metadata,
    ]);
    const row = r.rows[0];
    if (!row) return null;
    return {
      customerId: row.customer_id,
      customerLanguage: row.customer_language,
      caseId: row.case_id,
      caseNumber: row.number,
      interactionId: row.interaction_id,
      firstQueuedAt: row.first_queued_at,
    };
  } catch (err) {
    // only the identity's uniqueness: any other failure (timeouts included) is the caller's to report
    if ((err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'customer_identities_kind_value_key') return null;
    throw err;
  }
}

// Every part hangs off the one before it: no raw event (known identity or replay) → no customer → nothing.
const FIRST_CONTACT_SQL = `
WITH raw AS (
  INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
  SELECT $3, $4, $5, $6, $7, $8, $9
   WHERE NOT EXISTS (SELECT 1 FROM customer_identities WHERE kind = $1 AND value = $2)
  ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
  RETURNING id
), cu AS (
  INSERT INTO customers (name, language) SELECT $10, COALESCE($11::text, (SELECT default_language FROM organisation_settings WHERE id), 'en') FROM raw
  RETURNING id, language
), ident AS (
  -- no ON CONFLICT: a concurrent claim of this identity aborts the statement (see recordFirstContact)
  INSERT INTO customer_identities (customer_id, kind, value) SELECT id, $1, $2 FROM cu
), c AS (
  INSERT INTO cases (customer_id, subject, type, priority, channel, queue_id, tags, language,
                     first_response_due_at, resolution_due_at, last_activity_at,
                     routing_state, first_queued_at, routing_priority)
  SELECT cu.id, $12, $13, $14, $15, (SELECT id FROM queues WHERE id = $16), $17, cu.language, ${dueAfter('$18')}, ${dueAfter('$19')}, now(),
         CASE WHEN $20::int IS NULL THEN 'none' ELSE 'waiting' END,
         CASE WHEN $20::int IS NULL THEN NULL ELSE now() END, $20
    FROM cu
  RETURNING id, number, queue_id, channel, first_queued_at
), mark AS (
  -- a waiting case is committed marked: its job reaches Redis only after commit (the sweep deletes the mark)
  INSERT INTO case_enqueue_marks (case_id) SELECT c.id FROM c WHERE $20::int IS NOT NULL
), events AS (
  INSERT INTO case_events (case_id, type, queue_id, channel, data)
  SELECT c.id, e.type, c.queue_id, c.channel, e.data
    FROM c, (VALUES (1, 'created', $21::jsonb), (2, 'queued', $22::jsonb)) AS e(n, type, data)
   WHERE e.n = 1 OR $20::int IS NOT NULL
   ORDER BY e.n
), notice AS (
  -- the customer is owed a "received" notice (customer-messages/notices.ts decides whether and how);
  -- a call or live chat never gets one, so none is owed (no row for the notices worker to skip)
  INSERT INTO case_notices (case_id, event) SELECT c.id, 'received' FROM c WHERE c.channel NOT IN ('voice', 'chat')
), i AS (
  INSERT INTO interactions (case_id, customer_id, channel, direction, kind, from_address, to_address, subject, text, html,
                            provider, provider_message_id, delivery_status, metadata, raw_event_id)
  SELECT c.id, cu.id, $15, 'inbound', $23, $24, $25, $26, $27, $28, $29, $30, 'received', $31, raw.id FROM c, cu, raw
  RETURNING id
)
SELECT cu.id AS customer_id, cu.language AS customer_language, c.id AS case_id, c.number, c.first_queued_at, (SELECT id FROM i) AS interaction_id FROM cu, c`;

// every new customer's first message runs it (db/named.ts)
const FIRST_CONTACT = namedStatement('ingest-first-contact', FIRST_CONTACT_SQL);
