import type pg from 'pg';
import type { Queue } from 'bullmq';
import type { RoutingDeps } from '../../lifecycle/deps.js';
import { changeCaseStatus } from '../../lifecycle/status.js';
import { ingest, type IngestDeps, type InboundAttachment } from '../../ingest/pipeline.js';
import type { Queryable } from '../../db/pool.js';
import { rooms } from '../../contracts/realtime.js';
import type { QueueStatus, VisitorMessage } from '../../contracts/visitor.js';
import type { RealtimeEmitter } from '../../realtime/emitter.js';
import { leaveQueue } from './leave-queue.js';
import type { Config } from '../../config.js';
import type { WindowLimiter } from '../../limits/window-limiter.js';
import type { Visitor } from './visitors.js';

export interface ChatDeps {
  db: pg.Pool;
  ingestDeps: IngestDeps;
  realtime: RealtimeEmitter;
  routing: RoutingDeps;
  notifications: Queue;
  publicUrl: string;
  config: Config;
  /** anonymous visitors' limits (HTTP messages, uploads, transcripts) */
  limiter: WindowLimiter;
}

/** The visitor's conversation still going on (a chat case not yet solved or closed). */
export async function currentCase(db: Queryable, visitorId: string): Promise<{ id: number; number: number; routing_state: string; assignee_id: number | null; customer_id: number } | null> {
  const r = await db.query(
    `SELECT c.id, c.number, c.routing_state, c.assignee_id, c.customer_id
       FROM customer_identities ci JOIN cases c ON c.customer_id = ci.customer_id
      WHERE ci.kind = 'chat' AND ci.value = $1 AND c.channel = 'chat' AND c.status NOT IN ('solved', 'closed')
      ORDER BY c.id DESC LIMIT 1`,
    [visitorId],
  );
  return r.rows[0] ?? null;
}

export const attachmentUrl = (id: number) => `/widget/api/attachments/${id}`;

export async function messagesOf(db: Queryable, caseId: number, onlyId?: number): Promise<VisitorMessage[]> {
  const r = await db.query(
    `SELECT i.id, i.case_id, i.direction, i.text, i.created_at, i.delivery_status, i.metadata->>'clientId' AS client_id, a.name AS agent_name,
            COALESCE((SELECT json_agg(json_build_object('id', t.id, 'filename', t.filename, 'contentType', t.content_type, 'size', t.size_bytes) ORDER BY t.id)
                        FROM attachments t WHERE t.interaction_id = i.id), '[]') AS atts
       FROM interactions i LEFT JOIN agents a ON a.id = i.author_agent_id
      WHERE i.case_id = $1 AND i.direction IN ('inbound', 'outbound') AND i.kind <> 'note' AND ($2::bigint IS NULL OR i.id = $2)
      ORDER BY i.created_at, i.id`,
    [caseId, onlyId ?? null],
  );
  return r.rows.map((row) => ({
    id: row.id,
    caseId: row.case_id,
    from: row.direction === 'inbound' ? 'visitor' : 'agent',
    name: row.direction === 'inbound' ? null : row.agent_name,
    text: row.text,
    createdAt: new Date(row.created_at).toISOString(),
    status: row.delivery_status,
    attachments: (row.atts as { id: number; filename: string; contentType: string; size: number }[]).map((a) => ({ ...a, url: attachmentUrl(a.id) })),
    ...(row.client_id ? { clientId: row.client_id } : {}),
  }));
}

/** A visitor's message enters the hub like any inbound message: committed, threaded, queued. */
export async function postVisitorMessage(
  deps: ChatDeps,
  visitor: Visitor,
  m: { text: string; clientId: string; attachments?: InboundAttachment[] },
): Promise<VisitorMessage> {
  const open = await currentCase(deps.db, visitor.id);
  const result = await ingest(deps.ingestDeps, {
    channel: 'chat',
    provider: 'chat',
    providerMessageId: `${visitor.id}:${m.clientId}`,
    from: { kind: 'chat', value: visitor.id, name: visitor.name ?? undefined },
    text: m.text,
    attachments: m.attachments,
    threading: open ? { caseId: open.id } : { forceNewCase: true },
    metadata: { clientId: m.clientId, visitorEmail: visitor.email },
    customer: { name: visitor.name ?? undefined, language: visitor.language },
    raw: { text: m.text, clientId: m.clientId, attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, size: a.content.length })) },
  });
  // (agents hear of it through the ingest pipeline's realtime hook)
  if (!result.duplicate) await linkVisitor(deps.db, visitor, result.customerId);
  const [msg] = await messagesOf(deps.db, result.caseId, result.interactionId);
  // Other tabs of the same visitor show the message too.
  await deps.realtime.emit({ nsp: '/visitor', room: rooms.visitor(visitor.id), event: 'message', payload: msg });
  return msg!;
}

/**
 * Remember the customer behind the visitor. An email typed in the pre-chat form is only a claim on that customer
 * (never an identity: the address may be someone else's) until the visitor proves it (transcript confirmation).
 */
async function linkVisitor(db: pg.Pool, visitor: Visitor, customerId: number): Promise<void> {
  if (visitor.customerId !== customerId) {
    await db.query(`UPDATE chat_visitors SET customer_id = $2 WHERE id = $1`, [visitor.id, customerId]);
    visitor.customerId = customerId;
  }
  if (visitor.email) {
    await db.query(
      `UPDATE customers c SET claimed_email = $2, updated_at = now()
        WHERE c.id = $1 AND c.claimed_email IS DISTINCT FROM $2
          AND NOT EXISTS (SELECT 1 FROM customer_identities ci WHERE ci.customer_id = c.id AND ci.kind = 'email' AND ci.value = $2)`,
      [customerId, visitor.email],
    );
  }
}

/** Place in line among waiting cases of the same queue (Postgres order = routing order) and a wait estimate. */
export async function queueStatus(db: Queryable, caseId: number | null): Promise<QueueStatus> {
  if (!caseId) return { caseId: null, state: 'none', position: null, estimatedWaitSeconds: null };
  const c = await db.query(`SELECT routing_state, routing_priority, first_queued_at, queue_id, status FROM cases WHERE id = $1`, [caseId]);
  const me = c.rows[0];
  if (!me) return { caseId: null, state: 'none', position: null, estimatedWaitSeconds: null };
  if (me.status === 'closed' || me.status === 'solved') return { caseId, state: 'closed', position: null, estimatedWaitSeconds: null };
  if (me.routing_state !== 'waiting') return { caseId, state: me.routing_state, position: me.routing_state === 'offered' ? 1 : null, estimatedWaitSeconds: null };
  const ahead = await db.query(
    `SELECT count(*)::int AS n FROM cases w
      WHERE w.routing_state IN ('waiting', 'offered') AND w.queue_id IS NOT DISTINCT FROM $1 AND w.id <> $4
        AND (w.routing_state = 'offered' OR (w.routing_priority, w.first_queued_at, w.id) < ($2, $3, $4))`,
    [me.queue_id, me.routing_priority, me.first_queued_at, caseId],
  );
  const position = ahead.rows[0].n + 1;
  // Recent waits of answered chats in this queue, spread over the agents who can take chats now.
  const stats = await db.query(
    `SELECT (SELECT avg(extract(epoch FROM (e.created_at - c.first_queued_at)))
               FROM case_events e JOIN cases c ON c.id = e.case_id
              WHERE e.type = 'accepted' AND c.channel = 'chat' AND c.queue_id IS NOT DISTINCT FROM $1
                AND e.created_at > now() - interval '24 hours' AND c.first_queued_at IS NOT NULL) AS avg_wait,
            (SELECT count(DISTINCT a.id) FROM agents a JOIN queue_members qm ON qm.agent_id = a.id
              WHERE a.presence = 'available' AND a.active AND qm.queue_id IS NOT DISTINCT FROM $1) AS agents`,
    [me.queue_id],
  );
  const avg = stats.rows[0].avg_wait ? Number(stats.rows[0].avg_wait) : 60;
  const agents = Math.max(1, Number(stats.rows[0].agents));
  return { caseId, state: 'waiting', position, estimatedWaitSeconds: Math.max(10, Math.round((avg * position) / agents)) };
}

/** The visitor ends the chat: a waiting case leaves the queue, an answered one is solved. */
export async function endConversation(deps: ChatDeps, visitor: Visitor): Promise<number | null> {
  const open = await currentCase(deps.db, visitor.id);
  if (!open) return null;
  const left = await leaveQueue(deps.routing, open.id);
  if (!left) await changeCaseStatus(deps.routing, { caseId: open.id, status: 'solved', agentId: null, resolutionNote: 'chat ended by the visitor' });
  await deps.realtime.emit({ nsp: '/visitor', room: rooms.visitor(visitor.id), event: 'conversation:closed', payload: { caseId: open.id, by: 'visitor' } });
  return open.id;
}

/** The case a visitor may still rate: the current one or the one they just ended. */
export async function lastCase(db: Queryable, visitorId: string): Promise<{ id: number; customer_id: number } | null> {
  const r = await db.query(
    `SELECT c.id, c.customer_id FROM customer_identities ci JOIN cases c ON c.customer_id = ci.customer_id
      WHERE ci.kind = 'chat' AND ci.value = $1 AND c.channel = 'chat' ORDER BY c.id DESC LIMIT 1`,
    [visitorId],
  );
  return r.rows[0] ?? null;
}
