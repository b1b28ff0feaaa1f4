import type pg from 'pg';
import type { Config } from '../config.js';
import type { Log } from '../lib/log.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';
import { adapterFor } from '../channels/index.js';
import { PermanentDeliveryError, type OutboundMessage, type ReconcileResult, type SendContext } from '../channels/types.js';
import { rooms } from '../contracts/realtime.js';
import { restErrorInfo } from '../channels/twilio/client.js';
import { DEMO_OUTBOX_PROVIDER, deliverToOutbox, outboxEntryOf, usesDemoOutbox } from './demo-outbox.js';
import {
  FINISH_ATTEMPT_SQL,
  attemptHistory,
  attemptView,
  beginInteractionAttempt,
  finishAttempt,
  finishAttemptParams,
  markAmbiguous,
  noteAttempt,
  outcomeUnknown,
  pendingAttemptsSql,
  pendingOf,
  settleAccepted,
  type AttemptEnd,
  type AttemptView,
} from './attempts.js';

export interface DeliverDeps {
  db: pg.Pool;
  config: Config;
  store: AttachmentStore;
  log: Log;
  realtime?: RealtimeEmitter;
}

/** Another process is handing this message to its provider right now; try again after its lease. */
export class DeliveryInFlightError extends Error {
  constructor(interactionId: number) {
    super(`interaction ${interactionId} is being delivered by another worker`);
    this.name = 'DeliveryInFlightError';
  }
}

/**
 * Sends one outbound interaction through its channel adapter, at most once towards the provider
 * once the provider has accepted it, and at least once until then:
 *  - a message whose provider id is on record is never sent again;
 *  - every attempt is recorded (delivery_attempts) before the provider is called, and finished after;
 *  - an attempt left pending by a process that died mid-call is reconciled with the provider first
 *    (Twilio: its message list; SMTP and chat cannot be asked: see README "Reliability").
 * Throws on a retryable failure (BullMQ retries with backoff); permanent failures are recorded, not retried.
 */
export async function deliverInteraction(deps: DeliverDeps, interactionId: number, opts: { finalAttempt: boolean }): Promise<void> {
  // the message, its attachments and its pending attempts in one read
  const r = await deps.db.query(
    `SELECT i.id, i.case_id, c.number, i.customer_id, i.channel, i.to_address, i.subject, i.text, i.html, i.metadata, i.delivery_status,
            i.provider, i.provider_message_id,
            COALESCE((SELECT json_agg(json_build_object('filename', a.filename, 'content_type', a.content_type, 'storage_key', a.storage_key) ORDER BY a.id)
                        FROM attachments a WHERE a.interaction_id = i.id), '[]') AS attachments,
            COALESCE((SELECT json_agg(p) FROM (${pendingAttemptsSql('interaction_id', 'i.id', '$2')}) p), '[]') AS pending
       FROM interactions i JOIN cases c ON c.id = i.case_id WHERE i.id = $1 AND i.direction = 'outbound'`,
    [interactionId, deps.config.outbound.attemptLeaseMs],
  );
  const row = r.rows[0];
  if (!row || !['queued', 'sending'].includes(row.delivery_status)) return; // already handled (a retry after success)
  const key = { interactionId };
  if (row.provider_message_id) {
    // The provider holds it (its status callbacks move it on): never again.
    await settleAccepted(deps.db, key, row.provider, row.provider_message_id);
    return;
  }
  const adapter = adapterFor(row.channel);
  const atts: { filename: string; content_type: string; storage_key: string }[] = row.attachments;
  const msg: OutboundMessage = {
    interactionId,
    caseId: row.case_id,
    caseNumber: row.number,
    customerId: row.customer_id,
    channel: row.channel,
    to: row.to_address,
    subject: row.subject,
    text: row.text,
    html: row.html,
    metadata: row.metadata ?? {},
    attachments: atts.map((a) => ({ filename: a.filename, contentType: a.content_type, storageKey: a.storage_key })),
  };
  const ctx: SendContext = { db: deps.db, config: deps.config, store: deps.store, log: deps.log, realtime: deps.realtime };

  // 1. Attempts whose process died between the call and the record: ask the provider first.
  const { stale, inFlight } = pendingOf(row.pending);
  if (inFlight) throw new DeliveryInFlightError(interactionId);
  const outbox = await usesDemoOutbox(ctx, row.channel);
  for (const a of stale) {
    const kept = outbox ? await outboxEntryOf(deps.db, interactionId) : null;
    // the outbox can be asked, like a provider: an entry is the message, none means it was not kept
    const verdict: ReconcileResult = outbox
      ? kept
        ? { kind: 'accepted', provider: DEMO_OUTBOX_PROVIDER, providerMessageId: kept, status: 'delivered' }
        : { kind: 'not_sent' }
      : adapter?.reconcile
        ? await adapter.reconcile(ctx, msg, a)
        : { kind: 'unknown', note: 'the provider cannot be asked; sent again (same message id where the channel has one)' };
    if (verdict.kind === 'accepted') {
      const done = await recordAccepted(deps, interactionId, a.id, { provider: verdict.provider, providerMessageId: verdict.providerMessageId, status: verdict.status }, 'found at the provider after an interrupted attempt');
      await notify(deps, row.case_id, interactionId, done.status, null, done.attempts);
      deps.log.info({ interactionId, providerMessageId: verdict.providerMessageId }, 'interrupted delivery attempt found at the provider; not sending again');
      return;
    }
    await finishAttempt(deps.db, a.id, verdict.kind === 'not_sent' ? { outcome: 'not_sent', error: 'interrupted before the provider took it' } : { outcome: 'unknown', error: verdict.note });
  }

  // 2. Claim the next attempt (committed before the provider is called).
  const attempt = await beginInteractionAttempt(deps.db, interactionId, row.channel, { to: msg.to });
  if (!attempt) throw new DeliveryInFlightError(interactionId);
  ctx.attempt = { id: attempt.id, note: (d) => noteAttempt(deps.db, attempt.id, d) };
  try {
    if (!outbox && !adapter?.send) throw new PermanentDeliveryError(`channel ${row.channel} cannot send messages`);
    // demo mode without a configured sender: kept where the agent UI shows it, not failed
    const res = outbox ? await deliverToOutbox(deps.db, msg) : await adapter!.send!(ctx, msg);
    const done = await recordAccepted(deps, interactionId, attempt.id, res);
    await notify(deps, row.case_id, interactionId, done.status, null, done.attempts);
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError;
    const reason = (err as Error).message || String(err);
    const info = restErrorInfo(err);
    const e = err as { responseCode?: number; code?: string | number };
    // no answer from the provider (connection cut, timeout): it may have taken the message anyway
    const ambiguous = !permanent && outcomeUnknown(err);
    await (ambiguous
      ? markAmbiguous(deps.db, attempt.id, `no answer from the provider: ${reason}`)
      : finishAttempt(deps.db, attempt.id, { outcome: 'failed', providerCode: info.code ?? e.responseCode ?? (typeof e.code === 'string' ? e.code : info.status), error: reason })
    ).catch((x) => deps.log.warn({ err: x, interactionId }, 'could not record a failed delivery attempt'));
    // an ambiguous last try stays queued: the sweep reconciles it with the provider later
    if (permanent || (opts.finalAttempt && !ambiguous)) {
      await deps.db.query(`UPDATE interactions SET delivery_status = 'failed', delivery_error = $2, updated_at = now() WHERE id = $1`, [interactionId, reason]);
      await notify(deps, row.case_id, interactionId, 'failed', reason);
      if (permanent) return;
    } else {
      await deps.db.query(`UPDATE interactions SET delivery_status = 'queued', delivery_error = $2, updated_at = now() WHERE id = $1`, [interactionId, `retrying: ${reason}`]);
      await notify(deps, row.case_id, interactionId, 'queued', `retrying: ${reason}`);
    }
    throw err;
  }
}

/**
 * The provider took the message: its attempt is finished and the message recorded as accepted in one
 * statement, which also answers the attempt history the agents' timeline shows. A provider status callback
 * (or a chat visitor's read receipt) may already have moved it on (sent, delivered, read, failed): keep that.
 */
async function recordAccepted(
  deps: DeliverDeps,
  interactionId: number,
  attemptId: number,
  res: { provider?: string; providerMessageId?: string; status: string; metadata?: Record<string, unknown> },
  note: string | null = null,
): Promise<{ status: string; attempts: AttemptView[] }> {
  const end: AttemptEnd = { outcome: 'accepted', provider: res.provider ?? null, providerMessageId: res.providerMessageId ?? null, error: note };
  const done = await deps.db.query(
    `WITH fin AS (${FINISH_ATTEMPT_SQL}),
     i AS (
       UPDATE interactions SET delivery_status = CASE WHEN delivery_status IN ('queued', 'sending') THEN $8 ELSE delivery_status END,
              delivery_error = CASE WHEN delivery_status IN ('queued', 'sending') THEN NULL ELSE delivery_error END, provider = COALESCE($3, provider),
              provider_message_id = COALESCE($4, provider_message_id), metadata = metadata || $9::jsonb, updated_at = now()
        WHERE id = $7 RETURNING delivery_status
     )
     -- the statement sees the attempt as it was before: its finished row comes from fin
     SELECT (SELECT delivery_status FROM i) AS status,
            (SELECT json_agg(a ORDER BY a.attempt) FROM (SELECT * FROM fin
                                                       UNION ALL
                                                       SELECT * FROM delivery_attempts d WHERE d.interaction_id = $7 AND d.id NOT IN (SELECT id FROM fin)) a) AS attempts`,
    [...finishAttemptParams(attemptId, end), interactionId, res.status, JSON.stringify(res.metadata ?? {})],
  );
  const row = done.rows[0];
  return { status: row?.status ?? res.status, attempts: (row?.attempts ?? []).map(attemptView) };
}

/** Tells the case's viewers the message's status and attempts (read here unless the caller has them). */
async function notify(deps: DeliverDeps, caseId: number, interactionId: number, status: string, error: string | null, known?: AttemptView[]) {
  if (!deps.realtime) return;
  try {
    const attempts = known ?? (await attemptHistory(deps.db, interactionId));
    await deps.realtime.emit({ nsp: '/agent', room: rooms.case(caseId), event: 'interaction:status', payload: { caseId, interactionId, status, error, attempts } });
  } catch (err) {
    deps.log.warn({ err, interactionId }, 'could not push a delivery status');
  }
}
