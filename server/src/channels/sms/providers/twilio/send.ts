import { PermanentDeliveryError, type OutboundMessage, type ReconcileResult, type SendContext, type SendResult } from '../../../types.js';
import { isRetryableTwilioError, restErrorInfo, twilioClient, TwilioNotConfiguredError } from '../../../twilio/client.js';
import { webhookUrl } from '../../../twilio/urls.js';
import { mediaLink } from '../../../twilio/media-links.js';
import { bodyDigest } from '../../../../outbound/attempts.js';
import type { Queryable } from '../../../../db/pool.js';
import type { Config } from '../../../../config.js';
import type { SmsAttemptNote, SmsLine } from '../../provider.js';
import { mapTwilioMessageStatus } from './status.js';
import { findSentMessage } from './find-message.js';

/** Sends an agent's SMS reply through the Twilio Messages API, from the line's number. */
export async function sendTwilioSms(ctx: SendContext, msg: OutboundMessage, line: SmsLine): Promise<SendResult> {
  const to = msg.to!;
  const from = line.sender;
  let client;
  try {
    client = twilioClient(ctx.config);
  } catch (err) {
    if (err instanceof TwilioNotConfiguredError) throw new PermanentDeliveryError(err.message);
    throw err;
  }
  // Recorded before the call: with these, a crash between Twilio's answer and our write can be
  // reconciled against Twilio's message list instead of sending again.
  const note: SmsAttemptNote = { provider: 'twilio', to, from: line.e164, sender: from, bodySha: bodyDigest(msg.text) };
  await ctx.attempt?.note({ ...note });
  try {
    const m = await client.messages.create({
      to,
      from,
      body: msg.text,
      // Attachments go out as MMS: Twilio fetches each file from a signed, expiring link to the hub.
      ...(msg.attachments.length ? { mediaUrl: msg.attachments.map((a) => mediaLink(ctx.config, a.storageKey)) } : {}),
      statusCallback: webhookUrl(ctx.config, '/status'),
    });
    // Record the sid at once so a status callback racing this reply finds its interaction.
    await ctx.db.query(`UPDATE interactions SET provider = 'twilio', provider_message_id = $2, from_address = $3 WHERE id = $1`, [msg.interactionId, m.sid, from]);
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

/**
 * Did an SMS attempt whose outcome was lost reach Twilio? Twilio takes no id of ours, so its message list is
 * searched for the same To, From and body since the attempt (find-message.ts).
 */
export async function reconcileTwilioSms(
  ctx: { db: Queryable; config: Config },
  attempt: { startedAt: Date; note: SmsAttemptNote },
  isKnown: (sid: string) => Promise<boolean>,
): Promise<ReconcileResult> {
  const { to, sender, bodySha } = attempt.note;
  const found = await findSentMessage(ctx.config, { to, from: sender, bodySha, since: attempt.startedAt, isKnown });
  if (!found) return { kind: 'not_sent' };
  const s = mapTwilioMessageStatus(found.status);
  return { kind: 'accepted', provider: 'twilio', providerMessageId: found.sid, status: s === 'sent' || s === 'delivered' ? s : 'queued' };
}
