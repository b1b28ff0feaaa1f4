import { PermanentDeliveryError, type OutboundMessage, type ReconcileResult, type SendContext, type SendResult } from '../../../types.js';
import { bodyDigest } from '../../../../outbound/attempts.js';
import type { Queryable } from '../../../../db/pool.js';
import type { Config } from '../../../../config.js';
import type { SmsAttemptNote, SmsLine, SmsStatusDeps } from '../../provider.js';
import { applyDeliveryStatus } from '../../delivery-status.js';
import { isRetryableKavenegarError, KavenegarError, KavenegarNotConfiguredError, kavenegarCall, KAVENEGAR_UNKNOWN_MESSAGE, toKavenegarNumber, type KavenegarEntry } from './client.js';
import { kavenegarFailure, mapKavenegarStatus } from './status.js';

function resultOf(entry: KavenegarEntry): { status: SendResult['status']; failed: boolean } {
  const s = mapKavenegarStatus(entry.status);
  return { status: s === 'sent' || s === 'delivered' ? s : 'queued', failed: s === 'failed' };
}

/**
 * sms/send with the line as `sender` and a `localid` of ours (the delivery attempt's id): should the answer be
 * lost, sms/statuslocalmessageid finds the message by it (reconcileKavenegarSms).
 */
async function send(config: Config, m: { to: string; sender: string; text: string; localId: string }): Promise<KavenegarEntry> {
  const entries = await kavenegarCall(config, 'sms/send', { receptor: toKavenegarNumber(m.to), sender: m.sender, message: m.text, localid: m.localId });
  const e = entries[0];
  if (!e?.messageid) throw new KavenegarError(502, 502, 'Kavenegar accepted the request but listed no message');
  return e;
}

export async function sendKavenegarSms(ctx: SendContext, msg: OutboundMessage, line: SmsLine): Promise<SendResult> {
  if (!ctx.config.kavenegar.apiKey) throw new PermanentDeliveryError(new KavenegarNotConfiguredError().message);
  if (!ctx.attempt?.id) throw new Error('a Kavenegar send needs its delivery attempt (its id is the localid)');
  const localId = String(ctx.attempt.id);
  const note: SmsAttemptNote = { provider: 'kavenegar', to: msg.to!, from: line.e164, sender: line.sender, bodySha: bodyDigest(msg.text), localId };
  await ctx.attempt.note({ ...note });
  let entry: KavenegarEntry;
  try {
    entry = await send(ctx.config, { to: msg.to!, sender: line.sender, text: msg.text, localId });
  } catch (err) {
    if (isRetryableKavenegarError(err)) throw err;
    throw new PermanentDeliveryError(`Kavenegar rejected the message: ${(err as Error).message}`);
  }
  const providerMessageId = String(entry.messageid);
  await ctx.db.query(`UPDATE interactions SET provider = 'kavenegar', provider_message_id = $2, from_address = $3 WHERE id = $1`, [msg.interactionId, providerMessageId, line.e164]);
  const r = resultOf(entry);
  if (r.failed) throw new PermanentDeliveryError(kavenegarFailure(entry.status));
  return { provider: 'kavenegar', providerMessageId, status: r.status, metadata: { from: line.e164, sender: line.sender, kavenegarStatus: entry.status, ...(entry.cost != null ? { cost: entry.cost } : {}) } };
}

/** A sign-in code: the same call, with the notification's key as localid. */
export async function sendKavenegarSystemSms(config: Config, m: { to: string; line: SmsLine; body: string; localId: string }): Promise<{ providerMessageId: string }> {
  const e = await send(config, { to: m.to, sender: m.line.sender, text: m.body, localId: m.localId });
  return { providerMessageId: String(e.messageid) };
}

/**
 * Did an attempt whose answer was lost reach Kavenegar? Asked by our localid (sms/statuslocalmessageid): status 100
 * (or no entry) means Kavenegar has no message with it, so it was never sent.
 */
export async function reconcileKavenegarSms(
  ctx: { db: Queryable; config: Config },
  attempt: { startedAt: Date; note: SmsAttemptNote },
): Promise<ReconcileResult> {
  const localId = attempt.note.localId;
  if (!localId) return { kind: 'unknown', note: 'no localid was recorded for this attempt; Kavenegar cannot be asked about it' };
  const entries = await kavenegarCall(ctx.config, 'sms/statuslocalmessageid', { localid: localId });
  const e = entries.find((x) => String(x.localid ?? localId) === localId);
  if (!e || !e.messageid || e.status === KAVENEGAR_UNKNOWN_MESSAGE) return { kind: 'not_sent' };
  return { kind: 'accepted', provider: 'kavenegar', providerMessageId: String(e.messageid), status: resultOf(e).status };
}

/**
 * Delivery reports for messages whose callback has not come (Kavenegar's delivery URL is optional and best
 * effort): sms/status for outbound Kavenegar messages of the last three days still short of a final state.
 */
export async function pollKavenegarStatuses(deps: SmsStatusDeps): Promise<number> {
  if (!deps.config.kavenegar.apiKey) return 0;
  const r = await deps.db.query(
    `SELECT provider_message_id FROM interactions
      WHERE provider = 'kavenegar' AND direction = 'outbound' AND delivery_status IN ('queued', 'sending', 'sent')
        AND provider_message_id IS NOT NULL AND created_at > now() - interval '3 days'
      ORDER BY id LIMIT 500`,
  );
  if (!r.rowCount) return 0;
  const entries = await kavenegarCall(deps.config, 'sms/status', { messageid: r.rows.map((x) => x.provider_message_id).join(',') });
  let changed = 0;
  for (const e of entries) {
    const status = mapKavenegarStatus(e.status);
    if (!status) continue;
    const applied = await applyDeliveryStatus(deps, {
      provider: 'kavenegar',
      providerMessageId: String(e.messageid),
      status,
      error: status === 'failed' ? kavenegarFailure(e.status) : null,
      meta: { kavenegarStatus: String(e.status) },
    });
    if (applied) changed++;
  }
  return changed;
}
