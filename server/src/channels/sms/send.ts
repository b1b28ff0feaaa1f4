import { PermanentDeliveryError, type OutboundMessage, type SendContext, type SendResult } from '../types.js';
import { isRetryableTwilioError, restErrorInfo, twilioClient, TwilioNotConfiguredError } from '../twilio/client.js';
import { senderNumber } from '../twilio/numbers.js';
import { webhookUrl } from '../twilio/urls.js';
import { optedOutAt } from './opt-out.js';
import { mapTwilioMessageStatus } from './status.js';
import { mediaLink } from '../twilio/media-links.js';
import { bodyDigest } from '../../outbound/attempts.js';
import { findSentMessage } from '../twilio/find-message.js';
import type { ReconcileResult } from '../types.js';

export function optOutMessage(since: Date): string {
  return `cannot send: the customer opted out of SMS (replied STOP on ${since.toISOString().slice(0, 10)}); they must text START before we can message them again`;
}

/** Sends an agent's SMS reply through the Twilio Messages API. */
export async function sendSms(ctx: SendContext, msg: OutboundMessage): Promise<SendResult> {
  if (!msg.to) throw new PermanentDeliveryError('the customer has no phone number');
  const since = await optedOutAt(ctx.db, msg.to);
  if (since) throw new PermanentDeliveryError(optOutMessage(since));
  if (!msg.text.trim() && !msg.attachments.length) throw new PermanentDeliveryError('an SMS needs text or an attachment');
  if (msg.attachments.length > 10) throw new PermanentDeliveryError('an MMS carries at most 10 attachments');

  // Answer from the number the customer wrote to, so the conversation stays in one thread on their phone.
  const lastTo = await ctx.db.query(
    `SELECT to_address FROM interactions WHERE case_id = $1 AND direction = 'inbound' AND channel = 'sms' AND to_address IS NOT NULL
      ORDER BY created_at DESC LIMIT 1`,
    [msg.caseId],
  );
  const from = (msg.metadata.from as string | undefined) ?? (await senderNumber(ctx.db, 'sms', lastTo.rows[0]?.to_address ?? null));
  if (!from) throw new PermanentDeliveryError('no SMS-enabled Twilio number is configured (Admin → Phone numbers, /admin/phone-numbers)');

  let client;
  try {
    client = twilioClient(ctx.config);
  } catch (err) {
    if (err instanceof TwilioNotConfiguredError) throw new PermanentDeliveryError(err.message);
    throw err;
  }
  // Recorded before the call: with these, a crash between Twilio's answer and our write can be
  // reconciled against Twilio's message list instead of sending again.
  await ctx.attempt?.note({ to: msg.to, from, bodySha: bodyDigest(msg.text) });
  try {
    const m = await client.messages.create({
      to: msg.to,
      from,
      body: msg.text,
      // Attachments go out as MMS: Twilio fetches each file from a signed, expiring link to the hub.
      ...(msg.attachments.length ? { mediaUrl: msg.attachments.map((a) => mediaLink(ctx.config, a.storageKey)) } : {}),
      statusCallback: webhookUrl(ctx.config, '/status'),
    });
    // Record the sid at once so a status callback racing this reply finds its interaction.
    await ctx.db.query(`UPDATE interactions SET provider = 'twilio', provider_message_id = $2, from_address = $3 WHERE id = $1`, [
      msg.interactionId,
      m.sid,
      from,
    ]);
    const early = await ctx.db.query(
      `SELECT payload->>'MessageStatus' AS s FROM raw_events WHERE provider = 'twilio-status' AND provider_message_id LIKE $1 || ':%'`,
      [m.sid],
    );
    // Callbacks that overtook this reply (recorded before the sid was stored) still count.
    let status: SendResult['status'] = 'queued';
    for (const row of early.rows) {
      const s = mapTwilioMessageStatus(row.s);
      if (s === 'delivered' || (s === 'sent' && status === 'queued')) status = s;
    }
    return { provider: 'twilio', providerMessageId: m.sid, status, metadata: { from, twilioStatus: m.status, segments: m.numSegments } };
  } catch (err) {
    if (isRetryableTwilioError(err)) throw err;
    const e = restErrorInfo(err);
    throw new PermanentDeliveryError(`Twilio rejected the message (HTTP ${e.status}${e.code ? `, error ${e.code}` : ''}): ${e.message}`);
  }
}

/** Did an SMS attempt whose outcome was lost reach Twilio? Asked before it is sent again. */
export async function reconcileSms(ctx: SendContext, _msg: OutboundMessage, attempt: { startedAt: Date; request: Record<string, unknown> }): Promise<ReconcileResult> {
  const { to, from, bodySha } = attempt.request as { to?: string; from?: string; bodySha?: string };
  // the sender notes these right before calling Twilio: without them the call was never made
  if (!to || !from || !bodySha) return { kind: 'not_sent' };
  const found = await findSentMessage(ctx.config, {
    to,
    from,
    bodySha,
    since: attempt.startedAt,
    isKnown: async (sid) =>
      ((await ctx.db.query(`SELECT 1 FROM interactions WHERE provider = 'twilio' AND provider_message_id = $1 UNION ALL SELECT 1 FROM delivery_attempts WHERE provider_message_id = $1 LIMIT 1`, [sid])).rowCount ?? 0) > 0,
  });
  if (!found) return { kind: 'not_sent' };
  const s = mapTwilioMessageStatus(found.status);
  return { kind: 'accepted', provider: 'twilio', providerMessageId: found.sid, status: s === 'sent' || s === 'delivered' ? s : 'queued' };
}
