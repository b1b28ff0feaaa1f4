import type { IngestDeps } from '../../ingest/pipeline.js';
import { ingest } from '../../ingest/pipeline.js';
import { conflict } from '../../lib/errors.js';
import type { PhoneNumberConfig } from '../twilio/numbers.js';
import { callBySid, publishCall, type CallRow, type VoiceProviderName } from './calls.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';

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
