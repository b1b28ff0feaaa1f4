import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { ingest, type IngestDeps, type InboundAttachment } from '../../ingest/pipeline.js';
import type { Queryable } from '../../db/pool.js';
import { changeCaseStatus } from '../../lifecycle/status.js';
import type { RoutingDeps } from '../../lifecycle/deps.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { HttpError, badRequest, notFound } from '../../lib/errors.js';
import type { PortalCustomer } from './sign-in.js';
import type { RequestSummary } from '../../contracts/views.js';

export interface PortalDeps {
  db: pg.Pool;
  ingestDeps: IngestDeps;
  realtime: RealtimeEmitter;
  routing: RoutingDeps;
}

export type { RequestSummary };

const SUMMARY_COLS = `c.number, c.subject, c.status, c.channel, c.created_at, c.last_activity_at,
  (SELECT rating FROM csat_ratings r WHERE r.case_id = c.id) AS rating`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row mapped field by field
const summary = (row: Record<string, any>): RequestSummary => ({
  number: row.number,
  subject: row.subject,
  status: row.status,
  channel: row.channel,
  createdAt: new Date(row.created_at).toISOString(),
  lastUpdateAt: new Date(row.last_activity_at).toISOString(),
  rating: row.rating ?? null,
});

/** Categories a customer may pick = queues that take portal requests. */
export async function categories(db: Queryable): Promise<{ id: number; name: string; description: string }[]> {
  const r = await db.query(`SELECT id, name, description FROM queues WHERE 'portal' = ANY(channels) ORDER BY is_default DESC, name`);
  return r.rows;
}

export async function listRequests(db: Queryable, customerId: number): Promise<RequestSummary[]> {
  const r = await db.query(
    `SELECT ${SUMMARY_COLS} FROM cases c WHERE c.customer_id = $1 AND c.merged_into_id IS NULL ORDER BY c.last_activity_at DESC, c.id DESC LIMIT 200`,
    [customerId],
  );
  return r.rows.map(summary);
}

/** The customer's own case by its reference number; anyone else's (or none) is simply not found. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rest of the pg row goes to summary()
export async function ownCase(db: Queryable, customerId: number, number: number): Promise<{ id: number; status: string; assignee_id: number | null; routing_state: string } & Record<string, any>> {
  const r = await db.query(`SELECT c.id, c.assignee_id, c.routing_state, ${SUMMARY_COLS} FROM cases c WHERE c.number = $1 AND c.customer_id = $2`, [number, customerId]);
  if (!r.rowCount) throw notFound('request');
  return r.rows[0];
}

export const portalAttachmentUrl = (id: number) => `/portal/api/attachments/${id}`;

/** Everything said in public on the case, whichever channel; internal notes never leave the hub. */
export async function requestDetail(db: Queryable, customerId: number, number: number) {
  const c = await ownCase(db, customerId, number);
  const r = await db.query(
    `SELECT i.id, i.direction, i.channel, i.text, i.created_at, a.name AS agent_name,
            COALESCE((SELECT json_agg(json_build_object('id', t.id, 'filename', t.filename, 'contentType', t.content_type, 'size', t.size_bytes) ORDER BY t.id)
                        FROM attachments t WHERE t.interaction_id = i.id AND NOT t.inline), '[]') AS atts
       FROM interactions i LEFT JOIN agents a ON a.id = i.author_agent_id
      WHERE i.case_id = $1 AND i.direction IN ('inbound', 'outbound') AND i.kind IN ('message', 'voicemail', 'call')
        AND i.delivery_status NOT IN ('failed', 'blocked')
      ORDER BY i.created_at, i.id`,
    [c.id],
  );
  return {
    ...summary(c),
    messages: r.rows.map((row) => ({
      id: row.id,
      from: row.direction === 'inbound' ? ('customer' as const) : ('agent' as const),
      agentName: row.direction === 'outbound' ? (row.agent_name ?? null) : null,
      channel: row.channel,
      text: row.text,
      createdAt: new Date(row.created_at).toISOString(),
      attachments: (row.atts as { id: number; filename: string; contentType: string; size: number }[]).map((a) => ({ ...a, url: portalAttachmentUrl(a.id) })),
    })),
  };
}

export async function submitRequest(
  deps: PortalDeps,
  who: PortalCustomer,
  r: { subject: string; description: string; categoryId?: number; attachments: InboundAttachment[]; language?: string },
): Promise<{ number: number }> {
  if (r.categoryId !== undefined) {
    const ok = (await categories(deps.db)).some((c) => c.id === r.categoryId);
    if (!ok) throw badRequest('unknown category', [{ field: 'categoryId', reason: 'not a category of the portal' }]);
  }
  const result = await ingest(deps.ingestDeps, {
    channel: 'portal',
    provider: 'portal',
    providerMessageId: `portal-${randomUUID()}`,
    from: { kind: who.identity.kind, value: who.identity.value, name: who.name ?? undefined },
    subject: r.subject,
    text: r.description,
    attachments: r.attachments,
    threading: { forceNewCase: true },
    caseDefaults: { queueId: r.categoryId, type: 'request' },
    customer: { language: r.language ?? who.language },
    raw: { subject: r.subject, description: r.description, categoryId: r.categoryId ?? null, attachments: r.attachments.map((a) => ({ filename: a.filename, size: a.content.length })) },
  });
  if (result.customerId !== who.customerId) throw new HttpError(409, 'this sign-in no longer belongs to the signed-in customer');
  return { number: result.caseNumber };
}

/** A customer's reply: a new inbound interaction on their case; the assignee hears of it at once. */
export async function replyToRequest(deps: PortalDeps, who: PortalCustomer, number: number, text: string, attachments: InboundAttachment[]): Promise<{ number: number }> {
  const c = await ownCase(deps.db, who.customerId, number);
  const result = await ingest(deps.ingestDeps, {
    channel: 'portal',
    provider: 'portal',
    providerMessageId: `portal-${randomUUID()}`,
    from: { kind: who.identity.kind, value: who.identity.value, name: who.name ?? undefined },
    text,
    attachments,
    threading: { caseId: c.id },
    raw: { number, text, attachments: attachments.map((a) => ({ filename: a.filename, size: a.content.length })) },
  });
  // the assignee (and anyone viewing the case) hears of it through the ingest pipeline's realtime hook
  return { number: result.caseNumber };
}

/** Reopens a solved request: back to its agent if it has one, else back on the queue. */
export async function reopenRequest(deps: PortalDeps, who: PortalCustomer, number: number): Promise<void> {
  const c = await ownCase(deps.db, who.customerId, number);
  if (c.status !== 'solved') throw new HttpError(409, `only a solved request can be reopened (this one is ${c.status})`);
  await changeCaseStatus(deps.routing, { caseId: c.id, status: 'open', agentId: null });
}
