import type { Queryable } from '../db/pool.js';
import type { OutboundMessage, SendContext, SendResult } from '../channels/types.js';
import { smsProviders } from '../channels/sms/providers/index.js';

/** The provider name delivery_attempts and interactions record for a message kept in the demo outbox. */
export const DEMO_OUTBOX_PROVIDER = 'demo-outbox';

/**
 * Whether this reply goes to the demo outbox: demo mode is on (config.demoOutbox) and nothing configured could send it —
 * email without SMTP_URL/SMTP_FROM and without any active mailbox with an SMTP server, SMS without any SMS provider's account (Twilio, Kavenegar).
 * Once a real sender is configured, replies go out for real again.
 */
export async function usesDemoOutbox(ctx: Pick<SendContext, 'db' | 'config'>, channel: string): Promise<boolean> {
  if (!ctx.config.demoOutbox) return false;
  if (channel === 'sms') return !Object.values(smsProviders).some((p) => p.configured(ctx.config));
  if (channel === 'email') {
    if (ctx.config.smtp.url && ctx.config.smtp.from) return false;
    const r = await ctx.db.query(`SELECT 1 FROM mailboxes WHERE active AND smtp_host IS NOT NULL LIMIT 1`);
    return r.rowCount === 0;
  }
  return false;
}

/**
 * Keeps the reply in the outbox. Idempotent per interaction (a retry after a crash finds its row), so the at-most-once
 * rule holds here as it does towards a provider.
 */
export async function deliverToOutbox(db: Queryable, msg: OutboundMessage): Promise<SendResult> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO demo_outbox (interaction_id, case_id, channel, to_address, subject, text, attachments) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (interaction_id) DO UPDATE SET interaction_id = EXCLUDED.interaction_id RETURNING id`,
    [msg.interactionId, msg.caseId, msg.channel, msg.to, msg.subject, msg.text, JSON.stringify(msg.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })))],
  );
  return { provider: DEMO_OUTBOX_PROVIDER, providerMessageId: `outbox-${r.rows[0]!.id}`, status: 'delivered' };
}

/** A message an interrupted attempt already left in the outbox: it is not written twice. */
export async function outboxEntryOf(db: Queryable, interactionId: number): Promise<string | null> {
  const r = await db.query<{ id: string }>(`SELECT id FROM demo_outbox WHERE interaction_id = $1`, [interactionId]);
  return r.rows[0] ? `outbox-${r.rows[0].id}` : null;
}

export interface OutboxEntry {
  id: number;
  interactionId: number;
  caseId: number;
  caseNumber: number;
  channel: string;
  to: string | null;
  subject: string | null;
  text: string;
  attachments: { filename: string; contentType: string }[];
  createdAt: string;
}

/** The newest entries first, for Admin → Sent mail/SMS. */
export async function listOutbox(db: Queryable, opts: { limit: number; beforeId?: number }): Promise<OutboxEntry[]> {
  const r = await db.query(
    `SELECT o.*, c.number FROM demo_outbox o JOIN cases c ON c.id = o.case_id
      WHERE ($2::bigint IS NULL OR o.id < $2) ORDER BY o.id DESC LIMIT $1`,
    [opts.limit, opts.beforeId ?? null],
  );
  return r.rows.map((o) => ({
    id: Number(o.id),
    interactionId: Number(o.interaction_id),
    caseId: Number(o.case_id),
    caseNumber: Number(o.number),
    channel: o.channel,
    to: o.to_address,
    subject: o.subject,
    text: o.text,
    attachments: o.attachments,
    createdAt: new Date(o.created_at).toISOString(),
  }));
}
