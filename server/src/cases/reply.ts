import type pg from 'pg';
import { withTransaction } from '../db/pool.js';
import { writeCaseEvent, withCause, type CaseEventCause } from '../db/case-events.js';
import type { Channel } from '../contracts/vocabulary.js';
import type { HubQueues } from '../lib/queues.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import { storeAttachment, type StoredAttachment } from '../storage/attachment-policy.js';
import { HttpError, notFound } from '../lib/errors.js';
import { adapterFor } from '../channels/index.js';
import { InvalidIdentityError, normaliseIdentity } from '../ingest/identity.js';
import { checkCustomerPhone, destinationError } from '../outbound/destination-policy.js';

// (a written reply on a voice case is refused by the voice adapter with a better hint)
const PHONE_CHANNELS = new Set<Channel>(['sms']);
import { openOnReplyInTx } from '../lifecycle/status.js';
import type { ReplyConflict, ReplyConflictChange } from '../contracts/case-views.js';
import { bestEffort } from '../lib/best-effort.js';
import type { Log } from '../lib/log.js';

export interface ReplyInput {
  caseId: number;
  /** null: the system (an automation rule, named in `cause`) */
  agentId: number | null;
  cause?: CaseEventCause;
  /** internal = a note only agents see; nothing is sent */
  internal?: boolean;
  /** defaults to the case's channel */
  channel?: Channel;
  text: string;
  html?: string | null;
  subject?: string | null;
  to?: string | null;
  cc?: string[];
  attachments?: { filename: string; contentType: string; content: Buffer }[];
  metadata?: Record<string, unknown>;
  /**
   * Collision check ("traffic cop"): the newest interaction the agent had seen when the draft began. A
   * customer message or another agent's reply after it refuses the reply with 409 and what changed.
   * Absent: no check (the agent confirmed, or the caller is not a person at a draft).
   */
  seenUpToId?: number;
}

export interface ReplyResult {
  interactionId: number;
  deliveryStatus: string;
  firstResponse: boolean;
}

/**
 * An agent's reply or note. The outbound interaction is committed first (status queued),
 * then a delivery job goes on the outbound queue; the worker sends it through the channel adapter.
 */
export interface ReplyDeps {
  db: pg.Pool;
  queues: HubQueues;
  store: AttachmentStore;
  /** where SMS may go (OUTBOUND_COUNTRIES) and how numbers without a country code are read */
  outbound: { countries: readonly string[]; defaultCountry: string };
  log?: Log;
}

export async function createReply(deps: ReplyDeps, input: ReplyInput): Promise<ReplyResult> {
  const stored: StoredAttachment[] = [];
  for (const a of input.attachments ?? []) {
    const s = await storeAttachment(deps.store, a).catch(async (err) => {
      await Promise.all(stored.map((x) => deps.store.remove(x.key)));
      throw err;
    });
    stored.push(s);
  }

  const result = await withTransaction(deps.db, async (tx) => {
    const c = await tx.query(
      `SELECT c.id, c.channel, c.customer_id, c.status, c.first_response_at, c.subject, c.number
         FROM cases c WHERE c.id = $1 FOR UPDATE`,
      [input.caseId],
    );
    const theCase = c.rows[0];
    if (!theCase) throw notFound('case');
    if (input.seenUpToId !== undefined && !input.internal) await refuseIfChangedSince(tx, theCase.id, input.seenUpToId, input.agentId);
    const channel: Channel = input.channel ?? theCase.channel;
    let to = input.to ?? null;
    if (!input.internal && !to) to = await defaultRecipient(tx, theCase.customer_id, channel, theCase.id);
    // Texts cost money per message: only to the customer's own numbers in allowed countries (toll-fraud guard).
    if (!input.internal && to && PHONE_CHANNELS.has(channel)) {
      try {
        to = normaliseIdentity('phone', to, deps.outbound.defaultCountry);
      } catch (err) {
        if (err instanceof InvalidIdentityError) throw new HttpError(422, err.message, [{ field: 'to', reason: err.message, code: 'invalid_number' }]);
        throw err;
      }
      const refusal = await checkCustomerPhone(tx, deps.outbound.countries, { customerId: theCase.customer_id, to });
      if (refusal) throw destinationError(refusal);
    }
    if (!input.internal && channel !== 'api' && channel !== 'portal' && !to) {
      throw new HttpError(422, `the customer has no ${channel} address to reply to`);
    }
    if (!input.internal && to) {
      const refusal = await adapterFor(channel)?.checkRecipient?.(tx, { to, customerId: theCase.customer_id, caseId: theCase.id });
      if (refusal) throw new HttpError(422, refusal);
    }
    const r = await tx.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, author_agent_id, to_address, subject, text, html, delivery_status, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        theCase.id,
        theCase.customer_id,
        channel,
        input.internal ? 'internal' : 'outbound',
        input.internal ? 'note' : 'message',
        input.agentId,
        input.internal ? null : to,
        input.subject ?? null,
        input.text,
        input.html ?? null,
        input.internal ? 'delivered' : 'queued',
        JSON.stringify({ ...(input.metadata ?? {}), ...(input.cc?.length ? { cc: input.cc } : {}) }),
      ],
    );
    const interactionId: number = r.rows[0].id;
    for (const s of stored) {
      await tx.query(
        `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key) VALUES ($1, $2, $3, $4, $5, $6)`,
        [interactionId, s.filename, s.contentType, s.size, s.sha256, s.key],
      );
    }
    let firstResponse = false;
    if (!input.internal) {
      if (!theCase.first_response_at) {
        firstResponse = true;
        await tx.query(`UPDATE cases SET first_response_at = now() WHERE id = $1`, [theCase.id]);
        await writeCaseEvent(tx, { caseId: theCase.id, type: 'first_response', agentId: input.agentId, channel, data: withCause({ interactionId }, input.cause) });
      }
      // "agent replied": automation rules and the interaction.created webhook run on it
      await writeCaseEvent(tx, { caseId: theCase.id, type: 'interaction', agentId: input.agentId, channel, data: withCause({ interactionId, direction: 'outbound' }, input.cause) });
      // Replying to a new case means someone works on it.
      if (theCase.status === 'new') await openOnReplyInTx(tx, theCase.id, input.agentId);
    }
    await tx.query(`UPDATE cases SET last_activity_at = now(), updated_at = now() WHERE id = $1`, [theCase.id]);
    return { interactionId, deliveryStatus: input.internal ? 'delivered' : 'queued', firstResponse };
  }).catch(async (err) => {
    // nothing refers to the stored files when the reply is refused
    await Promise.all(stored.map((x) => deps.store.remove(x.key)));
    throw err;
  });

  if (!input.internal) {
    // If Redis is down the interaction stays 'queued' in Postgres; the outbound sweep re-adds it.
    await bestEffort(deps.queues.outbound.add('deliver', { interactionId: result.interactionId }, { jobId: `out-${result.interactionId}` }), deps.log, 'queueing the reply for delivery');
  }
  return result;
}

/** 409 with the messages that arrived since the draft began (under the case lock, so none slips in between). */
async function refuseIfChangedSince(tx: pg.PoolClient, caseId: number, seenUpToId: number, agentId: number | null): Promise<void> {
  const r = await tx.query(
    `SELECT i.id, i.direction, i.created_at, left(i.text, 200) AS text, a.name AS author_name
       FROM interactions i LEFT JOIN agents a ON a.id = i.author_agent_id
      WHERE i.case_id = $1 AND i.id > $2
        AND (i.direction = 'inbound' OR (i.direction = 'outbound' AND i.author_agent_id IS DISTINCT FROM $3))
      ORDER BY i.id LIMIT 10`,
    [caseId, seenUpToId, agentId],
  );
  if (!r.rowCount) return;
  const changes: ReplyConflictChange[] = r.rows.map((x) => ({
    interactionId: Number(x.id),
    direction: x.direction,
    authorName: x.author_name,
    text: x.text,
    createdAt: new Date(x.created_at).toISOString(),
  }));
  const conflict: ReplyConflict = { reason: 'case_changed', changes };
  throw new HttpError(409, 'new messages arrived on this case since you started writing; confirm to send anyway', conflict);
}

async function defaultRecipient(tx: pg.PoolClient, customerId: number, channel: Channel, caseId: number): Promise<string | null> {
  // Reply to the address the customer last wrote from on this case, else any identity of the right kind.
  const last = await tx.query(
    `SELECT from_address FROM interactions WHERE case_id = $1 AND direction = 'inbound' AND channel = $2 AND from_address IS NOT NULL
      ORDER BY created_at DESC LIMIT 1`,
    [caseId, channel],
  );
  if (last.rowCount) return last.rows[0].from_address;
  const kind = { email: 'email', sms: 'phone', voice: 'phone', chat: 'chat', portal: 'portal', api: 'api' }[channel];
  const id = await tx.query(`SELECT value FROM customer_identities WHERE customer_id = $1 AND kind = $2 ORDER BY (origin = 'inbound') DESC, id LIMIT 1`, [customerId, kind]);
  return id.rows[0]?.value ?? null;
}
