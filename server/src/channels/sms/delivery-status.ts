import type { Queryable } from '../../db/pool.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { rooms } from '../../contracts/realtime.js';
import type { SmsProviderName } from './provider.js';

/** The delivery states an SMS moves through, in order: a late "sent" never overwrites "delivered". */
export type SmsDeliveryStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
const RANK: Record<SmsDeliveryStatus, number> = { queued: 1, sending: 2, sent: 3, delivered: 4, read: 5, failed: 6 };

/**
 * Applies a provider's delivery report to the outbound interaction it belongs to (found by provider and the
 * provider's message id) and tells the case room. `meta` is merged into the interaction's metadata (the
 * provider's own status name and error code).
 */
export async function applyDeliveryStatus(
  deps: { db: Queryable; realtime?: RealtimeEmitter },
  r: { provider: SmsProviderName; providerMessageId: string; status: SmsDeliveryStatus; error: string | null; meta: Record<string, string> },
): Promise<boolean> {
  const u = await deps.db.query(
    `UPDATE interactions SET delivery_status = $3, delivery_error = COALESCE($4, delivery_error), metadata = metadata || $6::jsonb, updated_at = now()
      WHERE provider = $5 AND provider_message_id = $1 AND direction = 'outbound'
        AND (CASE delivery_status WHEN 'queued' THEN 1 WHEN 'sending' THEN 2 WHEN 'sent' THEN 3 WHEN 'delivered' THEN 4 WHEN 'read' THEN 5 ELSE 6 END) < $2
      RETURNING id, case_id`,
    [r.providerMessageId, RANK[r.status], r.status, r.error, r.provider, JSON.stringify(r.meta)],
  );
  const row = u.rows[0];
  if (!row) return false;
  await deps.realtime?.emit({
    nsp: '/agent',
    room: rooms.case(row.case_id),
    event: 'interaction:status',
    payload: { caseId: row.case_id, interactionId: row.id, status: r.status, error: r.error },
  });
  return true;
}
