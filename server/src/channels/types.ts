import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { Log as Logger } from '../lib/log.js';
import type { Channel } from '../contracts/vocabulary.js';
import type { Config } from '../config.js';
import type { AttachmentStore } from '../storage/attachment-store.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';

/** An outbound interaction as the delivery worker hands it to a channel. */
export interface OutboundMessage {
  interactionId: number;
  caseId: number;
  caseNumber: number;
  customerId: number;
  channel: Channel;
  to: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  metadata: Record<string, unknown>;
  attachments: { filename: string; contentType: string; storageKey: string }[];
}

export interface SendContext {
  db: pg.Pool;
  config: Config;
  store: AttachmentStore;
  log: Logger;
  /** Socket events to agents or visitors (e.g. a chat reply pushed to the widget). */
  realtime?: RealtimeEmitter;
  /**
   * The delivery attempt this send belongs to: a sender records here, BEFORE calling its provider,
   * what it needs to find the message again should the process die mid-call (e.g. the sender number).
   */
  attempt?: {
    /** the delivery_attempts row: unique per attempt, usable as the hub's own id of the message at a provider that takes one */
    id?: number;
    note(details: Record<string, unknown>): Promise<void>;
  };
}

/** What the provider says about an attempt whose outcome was lost (process died between call and record). */
export type ReconcileResult =
  | { kind: 'accepted'; provider: string; providerMessageId: string; status: SendResult['status'] }
  | { kind: 'not_sent' }
  /** the provider cannot be asked: the channel's documented policy decides (see README "Reliability") */
  | { kind: 'unknown'; note: string };

export interface SendResult {
  /** e.g. 'smtp', 'twilio': with providerMessageId it identifies the message in status callbacks */
  provider?: string;
  providerMessageId?: string;
  status: 'sent' | 'delivered' | 'queued';
  metadata?: Record<string, unknown>;
}

/** Thrown for failures that retrying cannot fix (bad address, opt-out, 4xx from the provider). */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/**
 * One channel = one folder under server/src/channels exporting an adapter:
 * inbound routes that normalise provider payloads into the ingest pipeline, and a sender.
 */
export interface ChannelAdapter {
  channel: Channel;
  /** Fastify plugin with the channel's inbound endpoints, mounted at `prefix`. */
  routes?: { prefix: string; plugin: FastifyPluginAsync };
  send?: (ctx: SendContext, msg: OutboundMessage) => Promise<SendResult>;
  /** Asks the provider whether an attempt with a lost outcome reached it (request = what the sender noted). */
  reconcile?: (ctx: SendContext, msg: OutboundMessage, attempt: { startedAt: Date; request: Record<string, unknown> }) => Promise<ReconcileResult>;
  /**
   * Checked when an agent writes a reply, before it is queued: a reason the message cannot be sent (e.g. the customer
   * opted out of SMS) is shown to the agent at once instead of surfacing later as a failed delivery.
   */
  checkRecipient?: (db: pg.Pool | pg.PoolClient, r: { to: string; customerId: number; caseId: number }) => Promise<string | null>;
  /** Called by a worker when a case of this channel is assigned to an agent (e.g. connect the queued call). */
  onAssigned?: (ctx: SendContext, e: AssignedEvent) => Promise<void>;
  /**
   * The channel's assignment work when it is realtime-only (a notice to the customer, nothing that must survive a
   * crash): run best effort right after commit by the process that made the assignment, instead of a lifecycle job
   * (a job add, a worker's take and its own read of the case). A channel whose assignment must happen (voice
   * connects the caller) leaves it out and keeps the durable job. `onAssigned` stays for jobs queued without it.
   */
  onAssignedInline?: InlineAssigned;
}

export interface AssignedEvent {
  caseId: number;
  agentId: number;
}

/** What an inline assignment gets: the emitter of the effects that run it (lifecycle/effects.ts). */
export interface InlineAssignedContext {
  db: pg.Pool;
  realtime: RealtimeEmitter;
  log?: Logger;
}

export type InlineAssigned = (ctx: InlineAssignedContext, e: AssignedEvent) => Promise<void>;
