import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Queryable } from '../db/pool.js';
import type { WebhookJob } from '../contracts/jobs.js';
import type { WebhookDeliveryView, WebhookEvent, WebhookSendEvent } from '../contracts/automation.js';
import { decryptSecret, encryptSecret } from '../lib/crypto-box.js';
import type { Log } from '../lib/log.js';
import { bestEffort } from '../lib/best-effort.js';
import { postWebhook, webhookBackoffMs } from './webhook-send.js';
import { caseCore } from './conditions.js';

/** Which case event makes which webhook event. */
export const WEBHOOK_EVENT_OF: Partial<Record<string, WebhookEvent>> = {
  created: 'case.created',
  assigned: 'case.assigned',
  solved: 'case.solved',
  interaction: 'interaction.created',
  sla_warning: 'sla.warning',
  sla_breach: 'sla.breached',
  csat_received: 'csat.received',
};

export interface WebhookSettings {
  encryptionKey: Buffer;
  webhookRetryBaseMs: number;
  webhookRetryForMs: number;
  webhookTimeoutMs: number;
  webhookAllowPrivate: boolean;
}

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('hex')}`;
export const boxSecret = (key: Buffer, secret: string) => encryptSecret(key, secret);

/** The case (and message) a webhook tells about: enough for a receiver to act without calling back. */
export async function casePayload(db: Queryable, caseId: number): Promise<Record<string, unknown> | null> {
  const r = await db.query(
    `SELECT c.id, c.number, c.subject, c.status, c.priority, c.type, c.channel, c.queue_id, c.assignee_id, c.tags, c.language,
            c.created_at, c.solved_at, cu.id AS customer_id, cu.name AS customer_name, cu.tier AS customer_tier
       FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`,
    [caseId],
  );
  const c = r.rows[0];
  if (!c) return null;
  return {
    ...caseCore(c),
    subject: c.subject,
    createdAt: new Date(c.created_at).toISOString(),
    solvedAt: c.solved_at ? new Date(c.solved_at).toISOString() : null,
    customer: { id: Number(c.customer_id), name: c.customer_name, tier: c.customer_tier },
  };
}

async function interactionPayload(db: Queryable, interactionId: number): Promise<Record<string, unknown> | null> {
  const r = await db.query(`SELECT id, channel, direction, kind, author_agent_id, subject, text, created_at FROM interactions WHERE id = $1`, [interactionId]);
  const i = r.rows[0];
  if (!i) return null;
  return {
    id: Number(i.id),
    channel: i.channel,
    direction: i.direction,
    kind: i.kind,
    authorAgentId: i.author_agent_id == null ? null : Number(i.author_agent_id),
    subject: i.subject,
    text: i.text,
    createdAt: new Date(i.created_at).toISOString(),
  };
}

export interface CaseEventRow {
  id: number;
  case_id: number;
  type: string;
  agent_id: number | null;
  data: Record<string, unknown>;
  created_at: Date | string;
}

/**
 * Makes one delivery per enabled webhook subscribed to the event's webhook event and queues them. A case event
 * processed twice (at-least-once) makes no second delivery (unique per endpoint, event and case event).
 */
export async function fanOutWebhooks(db: Queryable, queue: Queue<WebhookJob>, ev: CaseEventRow, log?: Log): Promise<number> {
  // a rating is an `updated` event carrying data.csat (channels/portal/csat.ts)
  const event = ev.type === 'updated' && ev.data.csat ? 'csat.received' : WEBHOOK_EVENT_OF[ev.type];
  if (!event) return 0;
  // internal notes and system entries are not conversations with the customer
  if (event === 'interaction.created' && typeof ev.data.interactionId !== 'number') return 0;
  const endpoints = await db.query(`SELECT id FROM webhook_endpoints WHERE enabled AND $1 = ANY(events)`, [event]);
  if (!endpoints.rowCount) return 0;
  const theCase = await casePayload(db, ev.case_id);
  if (!theCase) return 0;
  const data: Record<string, unknown> = { case: theCase };
  if (event === 'interaction.created') {
    const interaction = await interactionPayload(db, ev.data.interactionId as number);
    if (!interaction || interaction.direction === 'internal') return 0;
    data.interaction = interaction;
  }
  if (event === 'case.assigned') data.agentId = ev.agent_id;
  if (event === 'sla.warning' || event === 'sla.breached') data.details = ev.data;
  if (event === 'csat.received') data.csat = ev.data.csat ?? ev.data;
  const payload = { event, occurredAt: new Date(ev.created_at).toISOString(), data };
  let made = 0;
  for (const e of endpoints.rows) {
    const r = await db.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event, source_event_id, payload, next_attempt_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (endpoint_id, event, source_event_id) WHERE source_event_id IS NOT NULL DO NOTHING RETURNING id`,
      [e.id, event, ev.id, JSON.stringify(payload)],
    );
    if (r.rowCount) {
      made++;
      await queueDelivery(queue, r.rows[0].id, 0, log);
    }
  }
  return made;
}

/** One delivery outside the subscriptions: a rule's "call a webhook" action, or the admin's test ping. */
export async function sendToWebhook(db: Queryable, queue: Queue<WebhookJob>, endpointId: number, event: WebhookSendEvent, data: Record<string, unknown>, log?: Log): Promise<number> {
  const e = await db.query(`SELECT id, enabled FROM webhook_endpoints WHERE id = $1`, [endpointId]);
  if (!e.rowCount) throw new Error(`webhook ${endpointId} does not exist`);
  if (!e.rows[0].enabled) throw new Error(`webhook ${endpointId} is switched off`);
  const payload = { event, occurredAt: new Date().toISOString(), data };
  const r = await db.query(`INSERT INTO webhook_deliveries (endpoint_id, event, payload, next_attempt_at) VALUES ($1, $2, $3, now()) RETURNING id`, [endpointId, event, JSON.stringify(payload)]);
  await queueDelivery(queue, r.rows[0].id, 0, log);
  return Number(r.rows[0].id);
}

/** A delivery again, as a new delivery with the same body (the log keeps both). */
export async function replayDelivery(db: Queryable, queue: Queue<WebhookJob>, deliveryId: number, log?: Log): Promise<number | null> {
  const r = await db.query(
    `INSERT INTO webhook_deliveries (endpoint_id, event, payload, replay_of, next_attempt_at)
     SELECT endpoint_id, event, payload, id, now() FROM webhook_deliveries WHERE id = $1 RETURNING id`,
    [deliveryId],
  );
  if (!r.rowCount) return null;
  await queueDelivery(queue, r.rows[0].id, 0, log);
  return Number(r.rows[0].id);
}

/** Postgres holds the delivery; if Redis is down the sweep (requeueDueDeliveries) adds the job later. */
async function queueDelivery(queue: Queue<WebhookJob>, deliveryId: number, attempts: number, log?: Log): Promise<void> {
  await bestEffort(queue.add('deliver', { deliveryId: Number(deliveryId) }, { jobId: `wh-${deliveryId}-${attempts}` }), log, 'queueing a webhook delivery');
}

export class RetryLater extends Error {}
export class GiveUp extends Error {}

/**
 * One attempt of a delivery (the webhooks worker). The attempt is counted before the call. Resolves when the
 * delivery succeeded (or is over); throws RetryLater (retry after the backoff) or GiveUp (its day is over).
 */
export async function attemptDelivery(db: Queryable, s: WebhookSettings, deliveryId: number): Promise<'succeeded' | 'skipped'> {
  const claimed = await db.query(
    `UPDATE webhook_deliveries d SET attempts = attempts + 1, updated_at = now()
       FROM webhook_endpoints e
      WHERE d.id = $1 AND e.id = d.endpoint_id AND d.status IN ('pending', 'retrying')
      RETURNING d.attempts, d.event, d.payload::text AS body, d.created_at, e.url, e.secret_box, e.enabled`,
    [deliveryId],
  );
  const d = claimed.rows[0];
  if (!d) return 'skipped';
  if (!d.enabled) {
    await db.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = 'the webhook is switched off', next_attempt_at = NULL WHERE id = $1`, [deliveryId]);
    return 'skipped';
  }
  const res = await postWebhook({
    url: d.url,
    secret: decryptSecret(s.encryptionKey, d.secret_box),
    event: d.event,
    deliveryId,
    body: d.body,
    timeoutMs: s.webhookTimeoutMs,
    allowPrivate: s.webhookAllowPrivate,
  });
  await db.query(`INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)`, [
    deliveryId,
    d.attempts,
    res.statusCode,
    res.error,
    res.durationMs,
  ]);
  if (!res.error) {
    await db.query(`UPDATE webhook_deliveries SET status = 'succeeded', last_status_code = $2, last_error = NULL, next_attempt_at = NULL, updated_at = now() WHERE id = $1`, [deliveryId, res.statusCode]);
    return 'succeeded';
  }
  const delay = webhookBackoffMs(d.attempts, s.webhookRetryBaseMs);
  const over = Date.now() + delay > new Date(d.created_at).getTime() + s.webhookRetryForMs;
  await db.query(
    `UPDATE webhook_deliveries SET status = $2, last_status_code = $3, last_error = $4,
            next_attempt_at = CASE WHEN $2 = 'retrying' THEN now() + make_interval(secs => $5::float / 1000) END, updated_at = now()
      WHERE id = $1`,
    [deliveryId, over ? 'failed' : 'retrying', res.statusCode, res.error, delay],
  );
  if (over) throw new GiveUp(`webhook delivery ${deliveryId} failed for good: ${res.error}`);
  throw new RetryLater(`webhook delivery ${deliveryId} failed (${res.error}); retrying in ${delay} ms`);
}

/** Rebuild after a Redis loss: deliveries due a while ago with no job are queued again (recovery, at-least-once). */
export async function requeueDueDeliveries(db: Queryable, queue: Queue<WebhookJob>, graceMs: number, log?: Log): Promise<number> {
  const r = await db.query(
    `SELECT id, attempts FROM webhook_deliveries WHERE status IN ('pending', 'retrying') AND next_attempt_at < now() - make_interval(secs => $1::float / 1000)
      ORDER BY next_attempt_at LIMIT 500`,
    [graceMs],
  );
  for (const d of r.rows) {
    // a job still waiting out its backoff is not lost; only a delivery without a live job is queued again
    let live = false;
    for (const jobId of new Set([`wh-${d.id}-0`, `wh-${d.id}-${d.attempts}`])) {
      const job = await queue.getJob(jobId);
      if (job && ['delayed', 'waiting', 'active', 'prioritized', 'waiting-children'].includes(await job.getState())) live = true;
    }
    if (live) continue;
    await queueDelivery(queue, d.id, d.attempts, log);
  }
  return r.rowCount ?? 0;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toDeliveryView(r: any): WebhookDeliveryView {
  return {
    id: Number(r.id),
    endpointId: Number(r.endpoint_id),
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at ? new Date(r.next_attempt_at).toISOString() : null,
    replayOf: r.replay_of == null ? null : Number(r.replay_of),
    createdAt: new Date(r.created_at).toISOString(),
    attemptLog: (r.attempt_log ?? []).map((a: { attempt: number; status_code: number | null; error: string | null; duration_ms: number | null; at: string }) => ({
      attempt: a.attempt,
      statusCode: a.status_code,
      error: a.error,
      durationMs: a.duration_ms,
      at: new Date(a.at).toISOString(),
    })),
  };
}

export async function listDeliveries(db: Queryable, endpointId: number, limit = 50): Promise<WebhookDeliveryView[]> {
  const r = await db.query(
    `SELECT d.*, (SELECT json_agg(a ORDER BY a.attempt) FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempt_log
       FROM webhook_deliveries d WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
    [endpointId, limit],
  );
  return r.rows.map(toDeliveryView);
}
