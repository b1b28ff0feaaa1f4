import { PermanentDeliveryError, type OutboundMessage, type ReconcileResult, type SendContext, type SendResult } from '../types.js';
import { lineForSql } from './lines.js';
import { optedOutAtSql } from './opt-out.js';
import { smsProvider } from './providers/index.js';
import type { SmsAttemptNote, SmsLine } from './provider.js';

export function optOutMessage(since: Date): string {
  return `cannot send: the customer opted out of SMS (replied STOP on ${since.toISOString().slice(0, 10)}); they must text START before we can message them again`;
}

/** Sends an agent's SMS reply (or a customer notice) from the right line, through that line's provider. */
export async function sendSms(ctx: SendContext, msg: OutboundMessage): Promise<SendResult> {
  if (!msg.to) throw new PermanentDeliveryError('the customer has no phone number');
  // whether the customer opted out, and the line: the number named for the message, else the one the customer
  // last wrote to on this case, else the first SMS-enabled number; one round trip
  const r = await ctx.db.query(
    `SELECT (${optedOutAtSql('$1')}) AS opted_out_at, l.*
       FROM (SELECT 1) one LEFT JOIN LATERAL (
         ${lineForSql(`COALESCE($3::text, (SELECT to_address FROM interactions WHERE case_id = $2 AND direction = 'inbound' AND channel = 'sms' AND to_address IS NOT NULL
                                            ORDER BY created_at DESC LIMIT 1))`)}) l ON true`,
    [msg.to, msg.caseId, (msg.metadata.from as string | undefined) ?? null],
  );
  const { opted_out_at: since, ...found } = r.rows[0];
  if (since) throw new PermanentDeliveryError(optOutMessage(since));
  if (!msg.text.trim() && !msg.attachments.length) throw new PermanentDeliveryError('an SMS needs text or an attachment');
  if (msg.attachments.length > 10) throw new PermanentDeliveryError('an MMS carries at most 10 attachments');
  if (!found.e164) throw new PermanentDeliveryError('no SMS-enabled number is configured (Admin → Phone numbers, /admin/phone-numbers)');
  const line = found as SmsLine;
  const provider = smsProvider(line.provider);
  if (msg.attachments.length && !provider.media) {
    throw new PermanentDeliveryError(`${line.e164} sends through ${provider.label}, which cannot carry attachments; send the text alone`);
  }
  return provider.send(ctx, msg, line);
}

/** Did an SMS attempt whose outcome was lost reach its provider? Asked before it is sent again. */
export async function reconcileSms(ctx: SendContext, _msg: OutboundMessage, attempt: { startedAt: Date; request: Record<string, unknown> }): Promise<ReconcileResult> {
  const note = attempt.request as Partial<SmsAttemptNote>;
  // the sender notes these right before calling its provider: without them the call was never made
  if (!note.to || !note.bodySha || !(note.sender ?? note.from)) return { kind: 'not_sent' };
  const full: SmsAttemptNote = { provider: note.provider ?? 'twilio', to: note.to, from: note.from ?? note.sender!, sender: note.sender ?? note.from!, bodySha: note.bodySha, localId: note.localId };
  return smsProvider(full.provider).reconcile(ctx, { startedAt: attempt.startedAt, note: full }, async (id) =>
    ((await ctx.db.query(
      `SELECT 1 FROM interactions WHERE provider = $2 AND provider_message_id = $1 UNION ALL SELECT 1 FROM delivery_attempts WHERE provider_message_id = $1 LIMIT 1`,
      [id, full.provider],
    )).rowCount ?? 0) > 0,
  );
}
