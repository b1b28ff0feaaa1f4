import type pg from 'pg';
import type { Log as Logger } from '../lib/log.js';
import { withTransaction, type Tx } from '../db/pool.js';
import type { CasePriority, CaseType, Channel, IdentityKind } from '../contracts/vocabulary.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import { storeAttachment } from '../storage/attachment-policy.js';
import { normaliseIdentity } from './identity.js';
import { lockCustomer, resolveCustomer, type CustomerRow, type RawEventRow } from './customers.js';
import { queueForNewCase } from './queue-lookup.js';
import { routingPriority } from '../routing/priority.js';
import { findThreadCase, type ThreadingHints } from './threading.js';
import { dueAfter, slaDueMinutes } from '../sla/policy.js';
import { queueInTx, enqueueCase, type RoutingQueueLike } from '../lifecycle/queue.js';
import { reopenByCustomerInTx } from '../lifecycle/status.js';
import { ServiceUnavailableError, conflict } from '../lib/errors.js';
import { recordFirstContact, type InteractionFields, type NewCaseFields } from './first-contact.js';

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId?: string;
  inline?: boolean;
}

/** What every channel adapter turns a provider payload into. */
export interface InboundMessage {
  channel: Channel;
  provider: string;
  providerMessageId: string;
  from: { kind: IdentityKind; value: string; name?: string };
  to?: string;
  subject?: string;
  text: string;
  html?: string;
  attachments?: InboundAttachment[];
  threading?: ThreadingHints;
  kind?: 'message' | 'call' | 'voicemail';
  metadata?: Record<string, unknown>;
  /** The provider payload exactly as received. */
  raw: unknown;
  rawHeaders?: Record<string, unknown>;
  /** Used when a new case is opened. */
  caseDefaults?: { queueId?: number; priority?: CasePriority; type?: CaseType; tags?: string[] };
  customer?: { name?: string; language?: string };
  /**
   * The message belongs to this customer's history although it comes from an identity that is not theirs
   * (e.g. a colleague CC'd on the customer's email case answers). The sender's identity is not claimed.
   */
  customerId?: number;
  /** Raw event status: e.g. a bounce or auto-reply is stored but flagged. */
  flag?: string;
  /** Skip routing (e.g. a message the channel already answers automatically). */
  skipRouting?: boolean;
  /**
   * Runs inside ingest's transaction once the case and the interaction exist, for a channel's own rows
   * that must commit with them (voice: the call). `{ route }` overrides `skipRouting` for this message.
   */
  inTransaction?: (tx: Tx, r: { caseId: number; interactionId: number; newCase: boolean }) => Promise<{ route?: boolean } | void>;
}

export interface IngestResult {
  interactionId: number;
  caseId: number;
  caseNumber: number;
  customerId: number;
  duplicate: boolean;
  newCase: boolean;
  reopened: boolean;
  /** Whether the case is waiting for an agent (and so was put on the routing queue). */
  queued: boolean;
  /** Whether the routing job reached Redis now (false: the recovery sweep will add it). */
  enqueued: boolean;
  assigneeId: number | null;
  /** A new case's place on the routing queue, as committed (saves reading it back to enqueue). */
  waiting?: { priority: number; firstQueuedAt: Date };
  /** The customer's language as the transaction saw it (absent for a duplicate): saves channels reading it back. */
  customerLanguage?: string;
}

export interface IngestDeps {
  db: pg.Pool;
  store: AttachmentStore;
  routingQueue: RoutingQueueLike | null;
  threadWindowHours: number;
  log?: Logger;
  /** Retry-After of the 503 answered when the database cannot take the message within the ingest limits. */
  retryAfterSeconds?: number;
  /** Called after commit (and after the enqueue attempt) for realtime fan-out. */
  onIngested?: (result: IngestResult) => void | Promise<void>;
}

export async function ingest(deps: IngestDeps, msg: InboundMessage): Promise<IngestResult> {
  try {
    return await ingestMessage(deps, msg);
  } catch (err) {
    throw overloaded(err, deps) ?? err;
  }
}

/**
 * A connection not available within the pool's wait, or a statement (lock waits included) cancelled by the
 * pool's statement timeout: the transaction was rolled back, nothing is recorded, the provider should retry.
 */
function overloaded(err: unknown, deps: IngestDeps): ServiceUnavailableError | null {
  const e = err as { code?: string; message?: string };
  const timedOut = e?.code === '57014' || /timeout exceeded when trying to connect/.test(e?.message ?? '');
  if (!timedOut) return null;
  deps.log?.warn({ err }, 'ingest could not commit in time: answered 503');
  return new ServiceUnavailableError('the hub could not record the message in time; nothing was recorded, retry shortly', deps.retryAfterSeconds ?? 5);
}

async function ingestMessage(deps: IngestDeps, msg: InboundMessage): Promise<IngestResult> {
  const fromValue = normaliseIdentity(msg.from.kind, msg.from.value);

  // A replay carrying attachments is answered before their bytes are stored again; any other replay is
  // caught by the raw event's unique index inside the transaction, saving new messages a round trip.
  if (msg.attachments?.length) {
    const existing = await findExistingInteraction(deps.db, msg.provider, msg.providerMessageId);
    if (existing) return existing;
  }

  // A message that may come from a stranger and needs no channel hook is tried as a first contact: one
  // statement records everything, or nothing when the sender is known (then the general path below runs).
  if (!msg.attachments?.length && !msg.customerId && !msg.inTransaction && !msg.threading?.resolveCase && !msg.threading?.caseIdRequired) {
    const first = await firstContact(deps, msg, fromValue);
    if (first) return afterCommit(deps, first);
  }

  // Attachment bytes go to storage first; the transaction only records their keys.
  const stored = [] as { a: InboundAttachment; key: string; sha256: string; size: number }[];
  for (const a of msg.attachments ?? []) {
    // The attachment policy decides the stored name and type; a refused file leaves nothing behind.
    const s = await storeAttachment(deps.store, a).catch(async (err) => {
      await Promise.all(stored.map((x) => deps.store.remove(x.key)));
      throw err;
    });
    stored.push({ a: { ...a, filename: s.filename, contentType: s.contentType }, key: s.key, sha256: s.sha256, size: s.size });
  }

  let result: IngestResult;
  try {
    result = await withTransaction(deps.db, (tx) => ingestInTx(tx, deps, msg, fromValue, stored));
  } catch (err) {
    await Promise.all(stored.map((s) => deps.store.remove(s.key)));
    throw err;
  }
  if (result.duplicate) {
    await Promise.all(stored.map((s) => deps.store.remove(s.key)));
    return result;
  }

  return afterCommit(deps, result);
}

/** The routing job (when the case waits) and the realtime fan-out, once the message is committed. */
async function afterCommit(deps: IngestDeps, result: IngestResult): Promise<IngestResult> {
  if (result.queued && deps.routingQueue) {
    result.enqueued = await enqueueCase(deps.db, deps.routingQueue, result.caseId, 'arrival', deps.log, result.waiting);
  }
  await deps.onIngested?.(result);
  return result;
}

async function firstContact(deps: IngestDeps, msg: InboundMessage, fromValue: string): Promise<IngestResult | null> {
  const fields = await newCaseFields(deps, deps.db, msg, { tier: 'standard' }, !msg.skipRouting);
  const r = await recordFirstContact(deps.db, {
    identity: { kind: msg.from.kind, value: fromValue },
    customer: { name: msg.customer?.name ?? null, language: msg.customer?.language ?? null },
    raw: rawEventRow(msg),
    case: fields,
    interaction: interactionFields(msg, fromValue),
  });
  if (!r) return null;
  return newCaseResult(
    { id: r.caseId, number: r.caseNumber, interaction_id: r.interactionId },
    { id: r.customerId, language: r.customerLanguage },
    fields.routingPriority !== null,
    fields.routingPriority === null ? undefined : { priority: fields.routingPriority, firstQueuedAt: new Date(r.firstQueuedAt!) },
  );
}

/** The raw_events row of a message: the provider payload as received, kept whatever happens next. */
function rawEventRow(msg: InboundMessage): RawEventRow {
  return {
    provider: msg.provider,
    providerMessageId: msg.providerMessageId,
    channel: msg.channel,
    headers: JSON.stringify(msg.rawHeaders ?? {}),
    payload: JSON.stringify(toJsonPayload(msg.raw)),
    status: msg.flag ? 'flagged' : 'processed',
    error: msg.flag ?? null,
  };
}

/**
 * A new case's columns: its queue (cached look-up), SLA due times and, when it is queued at insert, its
 * routing priority (which depends on the customer's tier and the queue's overrides).
 */
async function newCaseFields(
  deps: IngestDeps,
  db: pg.Pool | Tx,
  msg: InboundMessage,
  customer: Pick<CustomerRow, 'tier'>,
  queuedAtInsert: boolean,
): Promise<NewCaseFields> {
  const priority = msg.caseDefaults?.priority ?? 'normal';
  const queue = await queueForNewCase(deps.db, db, msg.channel, msg.caseDefaults?.queueId);
  const due = slaDueMinutes(msg.channel, priority);
  const routingPrio = queuedAtInsert
    ? routingPriority({
        channel: msg.channel,
        casePriority: priority,
        vip: customer.tier === 'vip',
        // at risk once less than a quarter of the first-response time is left: for a new case, only when already due
        slaAtRisk: due.firstResponseMinutes != null && due.firstResponseMinutes <= 0,
        overrides: queue?.priorityOverrides ?? {},
      })
    : null;
  return {
    subject: (msg.subject ?? firstLine(msg.text)).slice(0, 300),
    type: msg.caseDefaults?.type ?? 'question',
    priority,
    channel: msg.channel,
    queueId: queue?.id ?? msg.caseDefaults?.queueId ?? null,
    tags: msg.caseDefaults?.tags ?? [],
    firstResponseMinutes: due.firstResponseMinutes,
    resolutionMinutes: due.resolutionMinutes,
    routingPriority: routingPrio,
    createdEvent: JSON.stringify({ provider: msg.provider }),
    queuedEvent: JSON.stringify({ priority: routingPrio }),
  };
}

async function findExistingInteraction(db: pg.Pool | Tx, provider: string, providerMessageId: string): Promise<IngestResult | null> {
  const r = await db.query(
    `SELECT i.id, i.case_id, c.number, i.customer_id, c.routing_state, c.assignee_id
       FROM interactions i JOIN cases c ON c.id = i.case_id
      WHERE i.provider = $1 AND i.provider_message_id = $2`,
    [provider, providerMessageId],
  );
  if (!r.rowCount) return null;
  const row = r.rows[0];
  return {
    interactionId: row.id,
    caseId: row.case_id,
    caseNumber: row.number,
    customerId: row.customer_id,
    duplicate: true,
    newCase: false,
    reopened: false,
    queued: false,
    enqueued: false,
    assigneeId: row.assignee_id,
  };
}

async function ingestInTx(
  tx: Tx,
  deps: IngestDeps,
  msg: InboundMessage,
  fromValue: string,
  stored: StoredAttachment[],
): Promise<IngestResult> {
  // The unique index serialises concurrent deliveries of one provider message:
  // the loser waits for the winner's commit and then sees the conflict.
  const rawRow = rawEventRow(msg);
  let customer: CustomerRow & { created: boolean };
  let rawEventId: number | null;
  if (msg.customerId) {
    rawEventId = await insertRawEvent(tx, rawRow);
    customer = rawEventId === null ? { id: 0, name: null, language: 'en', tier: 'standard', created: false } : { ...(await lockCustomer(tx, msg.customerId)), created: false };
  } else {
    // the raw event and the customer in one statement
    const r = await resolveCustomer(tx, msg.from.kind, fromValue, msg.customer, rawRow);
    rawEventId = r.rawEventId;
    customer = r;
  }
  if (rawEventId === null) {
    const existing = await findExistingInteraction(tx, msg.provider, msg.providerMessageId);
    if (existing) return existing;
    // The id was received before and set aside without an interaction (e.g. an email kept raw only): the
    // same id again is the same message, so it is not ingested a second time; the sender learns why.
    throw conflict(`message ${msg.providerMessageId} was already received and set aside; it is not ingested again`);
  }
  // A customer created by this message has no case yet; only a channel's own resolver can name one, and a
  // case the caller insists on (caseIdRequired) is refused by findThreadCase as not this customer's.
  let caseRow = customer.created
    ? msg.threading?.resolveCase || msg.threading?.caseIdRequired
      ? await findThreadCase(tx, { customerId: customer.id, channel: msg.channel, hints: { ...msg.threading, forceNewCase: true }, windowHours: 0 })
      : null
    : await findThreadCase(tx, {
        customerId: customer.id,
        channel: msg.channel,
        hints: msg.threading,
        windowHours: deps.threadWindowHours,
      });

  let followUpOf: number | null = null;
  if (caseRow && caseRow.status === 'closed') {
    followUpOf = caseRow.id;
    caseRow = null;
  }
  if (!caseRow) return insertNewCase(tx, deps, msg, fromValue, customer, rawEventId, stored, followUpOf);

  let reopened = false;
  {
    // A customer writing back reopens a solved case and wakes a pending one (lifecycle decides where it goes).
    const r = await reopenByCustomerInTx(tx, caseRow, msg.channel);
    reopened = r.reopened;
    caseRow = { ...caseRow, routing_state: r.routingState };
  }
  const theCase = caseRow;

  const interactionId = await insertInteraction(tx, msg, fromValue, theCase.id, customer.id, rawEventId);
  await insertAttachments(tx, interactionId, stored);

  // The channel's own records in this same transaction (e.g. voice's call row); it may ask to route the case.
  const hook = await msg.inTransaction?.(tx, { caseId: theCase.id, interactionId, newCase: false });
  const wantsRouting = hook?.route ?? !msg.skipRouting;

  // A case nobody holds goes (back) on the queue; one an agent holds stays with that agent.
  let queued = false;
  // (a case already waiting or offered keeps its place and is not queued again)
  if (wantsRouting && theCase.routing_state === 'none' && theCase.assignee_id === null) {
    await queueInTx(tx, theCase.id, 'queued');
    queued = true;
  }

  return {
    interactionId,
    caseId: theCase.id,
    caseNumber: theCase.number,
    customerId: customer.id,
    duplicate: false,
    newCase: false,
    reopened,
    queued,
    enqueued: false,
    assigneeId: theCase.assignee_id,
    customerLanguage: customer.language,
  };
}

async function insertRawEvent(tx: Tx, e: RawEventRow): Promise<number | null> {
  const r = await tx.query(
    `INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [e.provider, e.providerMessageId, e.channel, e.headers, e.payload, e.status, e.error],
  );
  return r.rowCount ? (r.rows[0].id as number) : null;
}

type StoredAttachment = { a: InboundAttachment; key: string; sha256: string; size: number };

/**
 * A new case in one statement: the case row with its routing state (written once, not inserted and then
 * updated three times), its `created` and `queued` events, the follow-up links and the interaction.
 */
async function insertNewCase(
  tx: Tx,
  deps: IngestDeps,
  msg: InboundMessage,
  fromValue: string,
  customer: CustomerRow,
  rawEventId: number,
  stored: StoredAttachment[],
  followUpOf: number | null,
): Promise<IngestResult> {
  // A channel hook (voice) may decide routing once its own rows exist: such a case is queued after the insert.
  const queuedAtInsert = !msg.skipRouting && !msg.inTransaction;
  const f = await newCaseFields(deps, tx, msg, customer, queuedAtInsert);
  const routingPrio = f.routingPriority;
  const r = await tx.query(
    `WITH c AS (
       INSERT INTO cases (customer_id, subject, type, priority, channel, queue_id, tags, language,
                          first_response_due_at, resolution_due_at, last_activity_at,
                          routing_state, first_queued_at, routing_priority)
       VALUES ($1, $2, $3, $4, $5, (SELECT id FROM queues WHERE id = $6), $7, $8, ${dueAfter('$9')}, ${dueAfter('$10')}, now(),
               CASE WHEN $11::int IS NULL THEN 'none' ELSE 'waiting' END,
               CASE WHEN $11::int IS NULL THEN NULL ELSE now() END, $11)
       RETURNING id, number, queue_id, channel, first_queued_at
     ), mark AS (
       -- a waiting case is committed marked: its job reaches Redis only after commit (the sweep deletes the mark)
       INSERT INTO case_enqueue_marks (case_id) SELECT c.id FROM c WHERE $11::int IS NOT NULL
     ), events AS (
       INSERT INTO case_events (case_id, type, queue_id, channel, data)
       SELECT c.id, e.type, c.queue_id, c.channel, e.data
         FROM c, (VALUES (1, 'created', $12::jsonb), (2, 'queued', $13::jsonb)) AS e(n, type, data)
        WHERE e.n = 1 OR $11::int IS NOT NULL
        ORDER BY e.n
     ), links AS (
       INSERT INTO case_links (case_id, linked_case_id, kind)
       SELECT c.id, $14::bigint, 'follow_up' FROM c WHERE $14::bigint IS NOT NULL
       UNION ALL
       SELECT $14::bigint, c.id, 'follow_up' FROM c WHERE $14::bigint IS NOT NULL
     ), notice AS (
       -- the customer is owed a "received" notice (customer-messages/notices.ts decides whether and how);
       -- a call or live chat never gets one, so none is owed (no row for the notices worker to skip)
       INSERT INTO case_notices (case_id, event) SELECT c.id, 'received' FROM c WHERE c.channel NOT IN ('voice', 'chat')
     ), i AS (
       ${INSERT_INTERACTION_SELECT}
     )
     SELECT c.id, c.number, c.first_queued_at, (SELECT id FROM i) AS interaction_id FROM c`,
    [
      customer.id,
      f.subject,
      f.type,
      f.priority,
      f.channel,
      f.queueId,
      f.tags,
      customer.language,
      f.firstResponseMinutes,
      f.resolutionMinutes,
      routingPrio,
      f.createdEvent,
      f.queuedEvent,
      followUpOf,
      ...interactionParams(msg, fromValue, customer.id, rawEventId),
    ],
  );
  const row = r.rows[0];
  await insertAttachments(tx, row.interaction_id, stored);
  // The channel's own records in this same transaction (e.g. voice's call row); it may ask to route the case.
  const hook = await msg.inTransaction?.(tx, { caseId: row.id, interactionId: row.interaction_id, newCase: true });
  if (!queuedAtInsert && (hook?.route ?? !msg.skipRouting)) {
    await queueInTx(tx, row.id, 'queued');
    return newCaseResult(row, customer, true, undefined); // enqueueCase reads the place back
  }
  return newCaseResult(row, customer, queuedAtInsert, routingPrio === null ? undefined : { priority: routingPrio, firstQueuedAt: new Date(row.first_queued_at) });
}

function newCaseResult(
  row: { id: number; number: number; interaction_id: number },
  customer: { id: number; language: string },
  queued: boolean,
  waiting: IngestResult['waiting'],
): IngestResult {
  return {
    interactionId: row.interaction_id,
    caseId: row.id,
    caseNumber: row.number,
    customerId: customer.id,
    customerLanguage: customer.language,
    duplicate: false,
    newCase: true,
    reopened: false,
    queued,
    enqueued: false,
    assigneeId: null,
    waiting,
  };
}

const INTERACTION_COLUMNS = `case_id, customer_id, channel, direction, kind, from_address, to_address, subject, text, html,
                             provider, provider_message_id, delivery_status, metadata, raw_event_id`;

/** The interaction of a new case, inserted in the case's statement (parameters from $15 on). */
const INSERT_INTERACTION_SELECT = `INSERT INTO interactions (${INTERACTION_COLUMNS})
       SELECT c.id, $15, $16, 'inbound', $17, $18, $19, $20, $21, $22, $23, $24, 'received', $25, $26 FROM c
       RETURNING id`;

/** An inbound interaction's own columns (everything but its case and customer). */
function interactionFields(msg: InboundMessage, fromValue: string): InteractionFields {
  return {
    kind: msg.kind ?? 'message',
    fromAddress: fromValue,
    toAddress: msg.to ?? null,
    subject: msg.subject ?? null,
    text: msg.text,
    html: msg.html ?? null,
    provider: msg.provider,
    providerMessageId: msg.providerMessageId,
    metadata: JSON.stringify({ ...(msg.metadata ?? {}), ...(msg.from.name ? { fromName: msg.from.name } : {}) }),
  };
}

/** Parameters of an interaction after its case id: customer, channel, kind, addresses, content, provider ids, metadata, raw event. */
function interactionParams(msg: InboundMessage, fromValue: string, customerId: number, rawEventId: number): unknown[] {
  const f = interactionFields(msg, fromValue);
  return [customerId, msg.channel, f.kind, f.fromAddress, f.toAddress, f.subject, f.text, f.html, f.provider, f.providerMessageId, f.metadata, rawEventId];
}

/**
 * A message on an existing case, in one statement: the interaction, the case's last activity and its
 * `interaction` event (which names the message's channel; the queue is the case's).
 */
async function insertInteraction(tx: Tx, msg: InboundMessage, fromValue: string, caseId: number, customerId: number, rawEventId: number): Promise<number> {
  const r = await tx.query(
    `WITH i AS (
       INSERT INTO interactions (${INTERACTION_COLUMNS})
       VALUES ($1, $2, $3, 'inbound', $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13)
       RETURNING id
     ), c AS (
       UPDATE cases SET last_activity_at = now(), updated_at = now() WHERE id = $1 RETURNING queue_id
     ), e AS (
       INSERT INTO case_events (case_id, type, queue_id, channel, data)
       SELECT $1, 'interaction', c.queue_id, $3, jsonb_build_object('interactionId', i.id) FROM i, c
     )
     SELECT id FROM i`,
    [caseId, ...interactionParams(msg, fromValue, customerId, rawEventId)],
  );
  return r.rows[0].id;
}

async function insertAttachments(tx: Tx, interactionId: number, stored: StoredAttachment[]): Promise<void> {
  for (const s of stored) {
    await tx.query(
      `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key, content_id, inline)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [interactionId, s.a.filename, s.a.contentType, s.size, s.sha256, s.key, s.a.contentId ?? null, s.a.inline ?? false],
    );
  }
}

function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

function toJsonPayload(raw: unknown): unknown {
  if (Buffer.isBuffer(raw)) return { encoding: 'base64', data: raw.toString('base64') };
  if (typeof raw === 'string') return { text: raw };
  return raw ?? {};
}
