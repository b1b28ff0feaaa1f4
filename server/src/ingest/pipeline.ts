import type pg from 'pg';
import type { Log as Logger } from '../lib/log.js';
import { withTransaction, type Tx } from '../db/pool.js';
import type { CasePriority, CaseType, Channel, IdentityKind } from '../contracts/channels.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import { normaliseIdentity } from './identity.js';
import { lockCustomer, resolveCustomer } from './customers.js';
import { findThreadCase, type ThreadingHints } from './threading.js';
import { slaDueTimes } from '../sla/policy.js';
import { queueInTx, enqueueCase, type RoutingQueueLike } from '../lifecycle/queue.js';
import { reopenByCustomerInTx } from '../lifecycle/status.js';
import { writeCaseEvent } from '../db/case-events.js';

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
}

export interface IngestDeps {
  db: pg.Pool;
  store: AttachmentStore;
  routingQueue: RoutingQueueLike | null;
  threadWindowHours: number;
  log?: Logger;
  /** Called after commit (and after the enqueue attempt) for realtime fan-out. */
  onIngested?: (result: IngestResult) => void | Promise<void>;
}

export async function ingest(deps: IngestDeps, msg: InboundMessage): Promise<IngestResult> {
  const fromValue = normaliseIdentity(msg.from.kind, msg.from.value);

  // A replay is the common case for provider retries: answer it without touching anything.
  const existing = await findExistingInteraction(deps.db, msg.provider, msg.providerMessageId);
  if (existing) return existing;

  // Attachment bytes go to storage first; the transaction only records their keys.
  const stored = [] as { a: InboundAttachment; key: string; sha256: string; size: number }[];
  for (const a of msg.attachments ?? []) stored.push({ a, ...(await deps.store.put(a.content, a.filename)) });

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

  if (result.queued && deps.routingQueue) {
    result.enqueued = await enqueueCase(deps.db, deps.routingQueue, result.caseId, 'arrival', deps.log);
  }
  await deps.onIngested?.(result);
  return result;
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
  stored: { a: InboundAttachment; key: string; sha256: string; size: number }[],
): Promise<IngestResult> {
  // The unique index serialises concurrent deliveries of one provider message:
  // the loser waits for the winner's commit and then sees the conflict.
  const raw = await tx.query(
    `INSERT INTO raw_events (provider, provider_message_id, channel, headers, payload, status, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (provider, provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      msg.provider,
      msg.providerMessageId,
      msg.channel,
      JSON.stringify(msg.rawHeaders ?? {}),
      JSON.stringify(toJsonPayload(msg.raw)),
      msg.flag ? 'flagged' : 'processed',
      msg.flag ?? null,
    ],
  );
  if (!raw.rowCount) {
    const existing = await findExistingInteraction(tx, msg.provider, msg.providerMessageId);
    if (existing) return existing;
    throw new Error(`raw event ${msg.provider}/${msg.providerMessageId} exists without an interaction`);
  }
  const rawEventId: number = raw.rows[0].id;

  const customer = msg.customerId
    ? await lockCustomer(tx, msg.customerId)
    : await resolveCustomer(tx, msg.from.kind, fromValue, msg.customer);
  const now = new Date();

  let caseRow = await findThreadCase(tx, {
    customerId: customer.id,
    channel: msg.channel,
    hints: msg.threading,
    windowHours: deps.threadWindowHours,
  });

  let newCase = false;
  let reopened = false;
  let followUpOf: number | null = null;
  if (caseRow && caseRow.status === 'closed') {
    followUpOf = caseRow.id;
    caseRow = null;
  }

  if (!caseRow) {
    const priority = msg.caseDefaults?.priority ?? 'normal';
    const queueId = msg.caseDefaults?.queueId ?? (await defaultQueueId(tx, msg.channel));
    const due = slaDueTimes(msg.channel, priority, now);
    const ins = await tx.query(
      `INSERT INTO cases (customer_id, subject, type, priority, channel, queue_id, tags, language,
                          first_response_due_at, resolution_due_at, last_activity_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
       RETURNING id, number, status, assignee_id, routing_state`,
      [
        customer.id,
        (msg.subject ?? firstLine(msg.text)).slice(0, 300),
        msg.caseDefaults?.type ?? 'question',
        priority,
        msg.channel,
        queueId,
        msg.caseDefaults?.tags ?? [],
        customer.language,
        due.firstResponseDueAt,
        due.resolutionDueAt,
      ],
    );
    caseRow = ins.rows[0];
    newCase = true;
    await writeCaseEvent(tx, { caseId: caseRow!.id, type: 'created', queueId, channel: msg.channel, data: { provider: msg.provider } });
    if (followUpOf) {
      await tx.query(`INSERT INTO case_links (case_id, linked_case_id, kind) VALUES ($1, $2, 'follow_up'), ($2, $1, 'follow_up')`, [
        caseRow!.id,
        followUpOf,
      ]);
    }
  } else {
    // A customer writing back reopens a solved case and wakes a pending one (lifecycle decides where it goes).
    const r = await reopenByCustomerInTx(tx, caseRow, msg.channel);
    reopened = r.reopened;
    caseRow = { ...caseRow, routing_state: r.routingState };
  }
  const theCase = caseRow!;

  const inter = await tx.query(
    `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, from_address, to_address, subject, text, html,
                               provider, provider_message_id, delivery_status, metadata, raw_event_id)
     VALUES ($1, $2, $3, 'inbound', $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13)
     RETURNING id`,
    [
      theCase.id,
      customer.id,
      msg.channel,
      msg.kind ?? 'message',
      fromValue,
      msg.to ?? null,
      msg.subject ?? null,
      msg.text,
      msg.html ?? null,
      msg.provider,
      msg.providerMessageId,
      JSON.stringify({ ...(msg.metadata ?? {}), ...(msg.from.name ? { fromName: msg.from.name } : {}) }),
      rawEventId,
    ],
  );
  const interactionId: number = inter.rows[0].id;
  for (const s of stored) {
    await tx.query(
      `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key, content_id, inline)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [interactionId, s.a.filename, s.a.contentType, s.size, s.sha256, s.key, s.a.contentId ?? null, s.a.inline ?? false],
    );
  }
  await tx.query(`UPDATE cases SET last_activity_at = now(), updated_at = now() WHERE id = $1`, [theCase.id]);
  if (!newCase) await writeCaseEvent(tx, { caseId: theCase.id, type: 'interaction', channel: msg.channel, data: { interactionId } });

  // The channel's own records in this same transaction (e.g. voice's call row); it may ask to route the case.
  const hook = await msg.inTransaction?.(tx, { caseId: theCase.id, interactionId, newCase });
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
    newCase,
    reopened,
    queued,
    enqueued: false,
    assigneeId: theCase.assignee_id,
  };
}

async function defaultQueueId(tx: Tx, channel: Channel): Promise<number | null> {
  const r = await tx.query(
    `SELECT id FROM queues WHERE $1 = ANY(channels) ORDER BY is_default DESC, id LIMIT 1`,
    [channel],
  );
  return r.rows[0]?.id ?? null;
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
