import type { IngestDeps } from '../../ingest/pipeline.js';
import { ingest } from '../../ingest/pipeline.js';
import { conflict } from '../../lib/errors.js';
import type { PhoneNumberConfig } from '../twilio/numbers.js';
import { callBySid, publishCall, type CallRow, type VoiceProviderName } from './calls.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { withTransaction } from '../../db/pool.js';
import { enqueueCase, queueInTx } from '../../lifecycle/queue.js';
import type { RoutingDeps } from '../../lifecycle/deps.js';
import { callById, setCall } from './calls.js';

const PERSIAN_PREFIX = '+98';

export type InitialCallState = 'queued' | 'ivr' | 'voicemail';

/**
 * A call arrives, whatever the provider: the customer by caller id (or a withheld-number identity), a call
 * interaction on a new voice case and the call row, committed together — an agent who accepts at once must find
 * the call to connect. The case is queued only when the call starts `queued` (a menu or after-hours call is not).
 * A repeated delivery of the same provider call id returns the stored call.
 */
export async function ingestInboundCall(
  deps: { ingest: IngestDeps; realtime?: RealtimeEmitter },
  c: {
    provider: VoiceProviderName;
    callSid: string;
    /** the caller's number, normalised to E.164; null when withheld or not a phone number */
    callerPhone: string | null;
    /** our number, normalised (null when unknown), and as the provider sent it */
    to: string | null;
    toRaw: string;
    number: PhoneNumberConfig | null;
    callerName?: string;
    open: boolean;
    initialState: InitialCallState;
    providerStatus?: string;
    metadata?: Record<string, unknown>;
    raw: Record<string, unknown>;
    rawHeaders?: Record<string, unknown>;
  },
): Promise<{ call: CallRow; duplicate: boolean }> {
  const from = c.callerPhone
    ? { kind: 'phone' as const, value: c.callerPhone }
    : { kind: 'api' as const, value: `withheld-caller-id:${c.callSid}`, name: 'Withheld number' };
  const result = await ingest(deps.ingest, {
    channel: 'voice',
    provider: c.provider,
    providerMessageId: c.callSid,
    kind: 'call',
    from,
    to: c.to ?? c.toRaw,
    text: c.open ? 'Inbound call' : 'Inbound call outside business hours',
    threading: { forceNewCase: true },
    caseDefaults: { queueId: c.number?.queueId ?? undefined },
    customer: { language: c.callerPhone?.startsWith(PERSIAN_PREFIX) ? 'fa' : c.number?.defaultLanguage, name: c.callerName || undefined },
    metadata: { callSid: c.callSid, direction: 'inbound', ...(c.metadata ?? {}) },
    skipRouting: true,
    inTransaction: async (tx, r) => {
      const ins = await tx.query(
        `INSERT INTO calls (call_sid, direction, case_id, interaction_id, phone_number_id, customer_number, our_number, queue_id, state, twilio_status, queued_at, provider)
         SELECT $1, 'inbound', $2, $3, $4, $5, $6, c.queue_id, $7, $8, CASE WHEN $7 = 'queued' THEN now() END, $9 FROM cases c WHERE c.id = $2
         ON CONFLICT (call_sid) DO NOTHING RETURNING id`,
        [c.callSid, r.caseId, r.interactionId, c.number?.id ?? null, c.callerPhone ?? from.value, c.to, c.initialState, c.providerStatus ?? 'ringing', c.provider],
      );
      return { route: ins.rowCount === 1 && c.initialState === 'queued' };
    },
    raw: c.raw,
    rawHeaders: c.rawHeaders ?? {},
  });
  const call = await callBySid(deps.ingest.db, c.callSid);
  // The call row commits with its first delivery; none means this provider id was already used by another kind of message.
  if (!call) throw conflict(`call ${c.callSid} was already received as a message that is not a call`);
  await publishCall(deps.ingest.db, deps.realtime, call.id);
  return { call, duplicate: result.duplicate };
}

/**
 * The caller answered the menu (or let it time out: no digit): the digit's queue, else the number's, and the caller
 * waits there. Once per call: a repeated answer changes nothing. Returns the call as it is now.
 */
export async function leaveMenu(deps: RoutingDeps, call: CallRow, number: PhoneNumberConfig | null, digit: string | null): Promise<CallRow> {
  const option = number?.ivr?.options.find((o) => o.digit === (digit ?? '').trim());
  const queueId = option?.queueId ?? number?.queueId ?? call.queue_id;
  let enqueue = false;
  await withTransaction(deps.db, async (tx) => {
    // call row before case row, the order every voice path locks them in
    const locked = (await callById(tx, call.id, true))!;
    if (locked.state !== 'ivr') return; // a replayed menu answer
    const c = await tx.query(`SELECT routing_state, assignee_id FROM cases WHERE id = $1 FOR UPDATE`, [call.case_id]);
    await tx.query(`UPDATE cases SET queue_id = COALESCE($2, queue_id), updated_at = now() WHERE id = $1`, [call.case_id, queueId]);
    await setCall(tx, call.id, { state: 'queued', queue_id: queueId, queued_at: new Date() });
    if (c.rows[0].routing_state === 'none' && !c.rows[0].assignee_id) {
      await queueInTx(tx, call.case_id, 'queued', { menuDigit: digit });
      enqueue = true;
    }
  });
  if (enqueue) await enqueueCase(deps.db, deps.queues.routing, call.case_id, 'arrival', deps.log);
  return (await callById(deps.db, call.id))!;
}
