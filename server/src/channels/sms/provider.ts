import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { Config } from '../../config.js';
import type { Log } from '../../lib/log.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import type { OutboundMessage, ReconcileResult, SendContext, SendResult } from '../types.js';
import type { SmsProviderName } from '../../contracts/phone-numbers.js';

/** The SMS gateways the hub speaks; each is one folder under providers/. Stored in phone_numbers.sms_provider. */
export { SMS_PROVIDERS as SMS_PROVIDER_NAMES, type SmsProviderName } from '../../contracts/phone-numbers.js';

/** One of the business's numbers as an SMS goes out from it. */
export interface SmsLine {
  /** the number as the hub stores it (phone_numbers.e164); inbound messages carry it as to_address */
  e164: string;
  provider: SmsProviderName;
  /** the sender as the provider knows it: a Twilio number in E.164, a Kavenegar line such as 10004346 */
  sender: string;
}

/** What a provider needs to find an attempt again whose outcome was lost (noted before the provider is called). */
export interface SmsAttemptNote {
  provider: SmsProviderName;
  to: string;
  /** the line's e164 */
  from: string;
  sender: string;
  bodySha: string;
  /** the hub's own id of the message at the provider, where the provider takes one (Kavenegar `localid`) */
  localId?: string;
}

export interface SmsStatusDeps {
  db: pg.Pool;
  config: Config;
  log: Log;
  realtime?: RealtimeEmitter;
}

/**
 * An SMS gateway behind the SMS channel. The channel owns everything that does not depend on the gateway — choosing
 * the line, opt-out, ingest, delivery attempts, status bookkeeping; a provider only speaks its gateway's protocol.
 */
export interface SmsProvider {
  name: SmsProviderName;
  /** shown in Admin → Phone numbers */
  label: string;
  /** whether the deployment has the credentials this provider needs */
  configured(config: Config): boolean;
  /** whether it can carry attachments (MMS) */
  media: boolean;
  /** inbound messages and delivery callbacks, mounted at /webhooks/<prefix> */
  routes: { prefix: string; plugin: FastifyPluginAsync };
  /**
   * Hands an agent's reply to the gateway. Calls `ctx.attempt.note(SmsAttemptNote)` before the request goes out.
   * Throws PermanentDeliveryError when retrying cannot help; any other error is retried (an unanswered request
   * is reconciled first).
   */
  send(ctx: SendContext, msg: OutboundMessage, line: SmsLine): Promise<SendResult>;
  /** A system SMS (portal sign-in code). `localId` identifies it at the provider where the provider takes one. */
  sendSystem(config: Config, m: { to: string; line: SmsLine; body: string; localId: string }): Promise<{ providerMessageId: string }>;
  /** Did an attempt whose outcome was lost reach the gateway? `isKnown` tells ids already recorded for other messages. */
  reconcile(
    ctx: { db: pg.Pool | pg.PoolClient; config: Config },
    attempt: { startedAt: Date; note: SmsAttemptNote },
    isKnown: (providerMessageId: string) => Promise<boolean>,
  ): Promise<ReconcileResult>;
  /** Asks the gateway for the delivery status of sent messages whose callbacks have not come (optional). */
  pollStatuses?(deps: SmsStatusDeps): Promise<number>;
}
