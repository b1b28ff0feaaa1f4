import type { FastifyInstance } from 'fastify';
import { ingest, type IngestResult } from '../../ingest/pipeline.js';
import { cachedPhoneNumberByE164 } from '../twilio/number-cache.js';
import { keywordAction, OPT_REPLIES, setOptOut, type KeywordAction } from './opt-out.js';
import { afterHoursSmsReply } from '../../customer-messages/after-hours.js';
import { cachedOpeningHoursFor } from '../../business-hours/opening-hours.js';
import type { SmsProviderName } from './provider.js';

const PERSIAN = /[\u0600-\u06FF]/;

export interface InboundSms {
  provider: SmsProviderName;
  providerMessageId: string;
  /** the customer, E.164 */
  from: string;
  /** our number, E.164 (the line's e164), or what the provider named when it is not one of ours */
  to: string | undefined;
  text: string;
  /** the provider's own opt-out verdict (Twilio's OptOutType), which wins over the keyword list */
  optOutType?: string;
  metadata?: Record<string, unknown>;
  raw: Record<string, unknown>;
  rawHeaders: Record<string, unknown>;
}

/**
 * One inbound SMS, whichever provider brought it: ingest (customer by number, thread or new case, routed unless it
 * is an opt-out/opt-in keyword), then the customer's opt-out state. Safe to repeat: a replayed provider id is a
 * duplicate and the opt-out state only converges. Returns what to answer the customer, in their language: the
 * keyword's confirmation, or outside business hours one auto-reply per conversation per closure
 * (customer-messages/after-hours.ts); the provider sends it its own way.
 */
export async function receiveSms(app: FastifyInstance, m: InboundSms): Promise<{ result: IngestResult; action: KeywordAction; reply: string | null }> {
  const number = m.to ? await cachedPhoneNumberByE164(app.db, m.to) : null;
  const action = keywordAction(m.text, m.optOutType);
  const result = await ingest(app.ingestDeps, {
    channel: 'sms',
    provider: m.provider,
    providerMessageId: m.providerMessageId,
    from: { kind: 'phone', value: m.from },
    to: m.to,
    text: m.text,
    metadata: { ...(m.metadata ?? {}), ...(action ? { keyword: action } : {}) },
    caseDefaults: { queueId: number?.queueId ?? undefined },
    customer: { language: PERSIAN.test(m.text) ? 'fa' : number?.defaultLanguage },
    // An opt-out/opt-in keyword is recorded on the case but does not wake an agent.
    skipRouting: action !== null,
    raw: m.raw,
    rawHeaders: m.rawHeaders,
  });
  app.metrics.ingested.inc({ channel: 'sms', result: result.duplicate ? 'duplicate' : 'new' });
  if (!action && result.duplicate) return { result, action, reply: null };
  if (action) await setOptOut(app.db, m.from, action === 'opt_out');
  const lang = result.customerLanguage ?? (await app.db.query(`SELECT language FROM customers WHERE id = $1`, [result.customerId])).rows[0]?.language ?? 'en';
  if (action) return { result, action, reply: OPT_REPLIES[action][lang] ?? OPT_REPLIES[action].en! };
  const afterHours = await afterHoursSmsReply(app.db, {
    caseId: result.caseId,
    language: lang,
    // the number's own hours, else its queue's or the organisation's (cached: read on every message)
    hours: number?.businessHours ?? (await cachedOpeningHoursFor(app.db, number?.queueId ?? null)),
    numberMessage: number?.afterHoursMessage,
  });
  return { result, action, reply: afterHours };
}
