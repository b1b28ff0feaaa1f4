import type pg from 'pg';
import type { Config } from '../config.js';
import type { Log } from '../lib/log.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';
import { adapterFor } from '../channels/index.js';
import { PermanentDeliveryError, type OutboundMessage } from '../channels/types.js';
import { rooms } from '../contracts/realtime.js';

export interface DeliverDeps {
  db: pg.Pool;
  config: Config;
  store: AttachmentStore;
  log: Log;
  realtime?: RealtimeEmitter;
}

/**
 * Sends one outbound interaction through its channel adapter and records the outcome.
 * Throws on a retryable failure (BullMQ retries with backoff); permanent failures are recorded, not retried.
 */
export async function deliverInteraction(deps: DeliverDeps, interactionId: number, opts: { finalAttempt: boolean }): Promise<void> {
  const r = await deps.db.query(
    `SELECT i.id, i.case_id, c.number, i.customer_id, i.channel, i.to_address, i.subject, i.text, i.html, i.metadata, i.delivery_status
       FROM interactions i JOIN cases c ON c.id = i.case_id WHERE i.id = $1 AND i.direction = 'outbound'`,
    [interactionId],
  );
  const row = r.rows[0];
  if (!row || !['queued', 'sending'].includes(row.delivery_status)) return; // already handled (a retry after success)
  const adapter = adapterFor(row.channel);
  const atts = await deps.db.query(`SELECT filename, content_type, storage_key FROM attachments WHERE interaction_id = $1 ORDER BY id`, [interactionId]);
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
    attachments: atts.rows.map((a) => ({ filename: a.filename, contentType: a.content_type, storageKey: a.storage_key })),
  };
  await deps.db.query(`UPDATE interactions SET delivery_status = 'sending', updated_at = now() WHERE id = $1`, [interactionId]);
  try {
    if (!adapter?.send) throw new PermanentDeliveryError(`channel ${row.channel} cannot send messages`);
    const res = await adapter.send({ db: deps.db, config: deps.config, store: deps.store, log: deps.log, realtime: deps.realtime }, msg);
    // A provider status callback (or a chat visitor's read receipt) may already have moved the
    // message on (sent, delivered, read, failed): keep that.
    const done = await deps.db.query(
      `UPDATE interactions SET delivery_status = CASE WHEN delivery_status IN ('queued', 'sending') THEN $2 ELSE delivery_status END,
              delivery_error = CASE WHEN delivery_status IN ('queued', 'sending') THEN NULL ELSE delivery_error END, provider = COALESCE($3, provider),
              provider_message_id = COALESCE($4, provider_message_id), metadata = metadata || $5::jsonb, updated_at = now()
        WHERE id = $1 RETURNING delivery_status`,
      [interactionId, res.status, res.provider ?? null, res.providerMessageId ?? null, JSON.stringify(res.metadata ?? {})],
    );
    await notify(deps, row.case_id, interactionId, done.rows[0]?.delivery_status ?? res.status, null);
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError;
    const reason = (err as Error).message || String(err);
    if (permanent || opts.finalAttempt) {
      await deps.db.query(`UPDATE interactions SET delivery_status = 'failed', delivery_error = $2, updated_at = now() WHERE id = $1`, [interactionId, reason]);
      await notify(deps, row.case_id, interactionId, 'failed', reason);
      if (permanent) return;
    } else {
      await deps.db.query(`UPDATE interactions SET delivery_status = 'queued', delivery_error = $2, updated_at = now() WHERE id = $1`, [interactionId, `retrying: ${reason}`]);
    }
    throw err;
  }
}

async function notify(deps: DeliverDeps, caseId: number, interactionId: number, status: string, error: string | null) {
  await deps.realtime
    ?.emit({ nsp: '/agent', room: rooms.case(caseId), event: 'interaction:status', payload: { caseId, interactionId, status, error } })
    .catch(() => {});
}
