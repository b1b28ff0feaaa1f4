import type { Queryable } from '../../../../db/pool.js';
import type { RealtimeEmitter } from '../../../../realtime/emitter.js';
import { applyDeliveryStatus, type SmsDeliveryStatus } from '../../delivery-status.js';

export function mapTwilioMessageStatus(s: string): SmsDeliveryStatus | null {
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
export async function applyMessageStatus(
  deps: { db: Queryable; realtime?: RealtimeEmitter },
  sid: string,
  twilioStatus: string,
  errorCode: string | null,
  errorMessage: string | null,
): Promise<void> {
  const status = mapTwilioMessageStatus(twilioStatus);
  if (!status) return;
  const error = status === 'failed' ? `Twilio ${twilioStatus}${errorCode ? ` (error ${errorCode}${errorMessage ? `: ${errorMessage}` : ''})` : ''}` : null;
  await applyDeliveryStatus(deps, {
    provider: 'twilio',
    providerMessageId: sid,
    status,
    error,
    meta: { twilioStatus, ...(errorCode ? { errorCode } : {}) },
  });
}
