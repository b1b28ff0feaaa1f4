import type { FastifyInstance } from 'fastify';
import { rooms } from '../../contracts/realtime.js';

// Delivery only moves forward: a late "sent" never overwrites "delivered".
const RANK: Record<string, number> = { queued: 1, sending: 2, sent: 3, delivered: 4, read: 5, failed: 6, blocked: 6 };

export function mapTwilioMessageStatus(s: string): string | null {
  switch (s) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
      return 'sending';
    case 'sent':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'read':
      return 'read';
    case 'failed':
    case 'undelivered':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

/** Applies a Twilio message status callback to the outbound interaction it belongs to. */
export async function applyMessageStatus(app: FastifyInstance, sid: string, twilioStatus: string, errorCode: string | null, errorMessage: string | null) {
  const status = mapTwilioMessageStatus(twilioStatus);
  if (!status) return;
  const error = status === 'failed' ? `Twilio ${twilioStatus}${errorCode ? ` (error ${errorCode}${errorMessage ? `: ${errorMessage}` : ''})` : ''}` : null;
  const r = await app.db.query(
    `UPDATE interactions SET delivery_status = $3, delivery_error = COALESCE($4, delivery_error),
            metadata = metadata || jsonb_build_object('twilioStatus', $5::text) || CASE WHEN $6::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('errorCode', $6::text) END,
            updated_at = now()
      WHERE provider = 'twilio' AND provider_message_id = $1 AND direction = 'outbound'
        AND (CASE delivery_status WHEN 'queued' THEN 1 WHEN 'sending' THEN 2 WHEN 'sent' THEN 3 WHEN 'delivered' THEN 4 WHEN 'read' THEN 5 ELSE 6 END) < $2
      RETURNING id, case_id`,
    [sid, RANK[status], status, error, twilioStatus, errorCode],
  );
  const row = r.rows[0];
  if (row) {
    await app.realtime.emit({ nsp: '/agent', room: rooms.case(row.case_id), event: 'interaction:status', payload: { caseId: row.case_id, interactionId: row.id, status, error } });
  }
}
