import type { SmsDeliveryStatus } from '../../delivery-status.js';

/** Kavenegar's message status code → the hub's delivery status (null: not a status of a message we know). */
export function mapKavenegarStatus(code: number): SmsDeliveryStatus | null {
  switch (code) {
    case 1: // in the send queue
    case 2: // scheduled
      return 'queued';
    case 4: // handed to the operator
    case 5:
      return 'sent';
    case 10: // reached the handset
      return 'delivered';
    case 6: // failed to send
    case 11: // not delivered
    case 13: // cancelled
    case 14: // blocked by the recipient
      return 'failed';
    default:
      return null;
  }
}

const FAILURE: Record<number, string> = {
  6: 'Kavenegar could not send it (status 6)',
  11: 'not delivered to the handset (Kavenegar status 11)',
  13: 'cancelled (Kavenegar status 13)',
  14: 'the recipient blocks messages from this line (Kavenegar status 14)',
};

export function kavenegarFailure(code: number): string {
  return FAILURE[code] ?? `Kavenegar status ${code}`;
}
