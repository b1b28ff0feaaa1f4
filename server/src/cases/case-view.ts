import type { Queryable } from '../db/pool.js';
import { notFound } from '../lib/errors.js';
import type { CaseLink, CaseView } from '../contracts/views.js';

export type { CaseView };

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * The case row's columns the view shows (toCaseView), listed rather than `c.*`: a view statement may be a
 * named one (db/named.ts), whose result columns must not change when a migration adds a column.
 */
export const CASE_VIEW_COLUMNS = [
  'id', 'number', 'subject', 'status', 'priority', 'type', 'channel', 'tags', 'language', 'queue_id', 'assignee_id', 'customer_id',
  'routing_state', 'first_queued_at', 'first_response_due_at', 'resolution_due_at', 'first_response_at', 'solved_at', 'pending_until',
  'reminder_fired_at', 'sla_breached_at', 'resolution_note', 'merged_into_id', 'last_activity_at', 'created_at',
] as const;

/** What the case view's SELECT adds to the case's columns (see caseSelectFrom). */
export const CASE_VIEW_EXTRA_COLUMNS = ['queue_name', 'assignee_name', 'customer_name', 'customer_tier', 'customer_language', 'last_message', 'unread', 'reminder_unseen'] as const;

/** Columns as a SQL list, each of `alias` when given. */
export const columnList = (columns: readonly string[], alias?: string) => columns.map((col) => (alias ? `${alias}.${col}` : col)).join(', ');

/**
 * The case view's SELECT over `source`, the cases table or a CTE returning its rows (a change's
 * `RETURNING` CASE_VIEW_COLUMNS, so the view shows the case as that statement left it), for the viewer
 * whose id is the placeholder `viewer` (unread marker, reminder seen). The caller adds the WHERE.
 */
export const caseSelectFrom = (source: string, viewer: string) => `
  SELECT ${columnList(CASE_VIEW_COLUMNS, 'c')}, q.name AS queue_name, a.name AS assignee_name, cu.name AS customer_name, cu.tier AS customer_tier,
         cu.language AS customer_language,
         (SELECT left(i.text, 160) FROM interactions i WHERE i.case_id = c.id AND i.direction <> 'internal'
           ORDER BY i.created_at DESC, i.id DESC LIMIT 1) AS last_message,
         EXISTS (SELECT 1 FROM interactions i WHERE i.case_id = c.id AND i.direction = 'inbound'
                  AND i.created_at > COALESCE((SELECT last_read_at FROM case_reads r WHERE r.case_id = c.id AND r.agent_id = ${viewer}), '-infinity')) AS unread,
         (c.status = 'open' AND c.reminder_fired_at > COALESCE((SELECT last_read_at FROM case_reads r WHERE r.case_id = c.id AND r.agent_id = ${viewer}), '-infinity')) AS reminder_unseen
    FROM ${source} c
    JOIN customers cu ON cu.id = c.customer_id
    LEFT JOIN queues q ON q.id = c.queue_id
    LEFT JOIN agents a ON a.id = c.assignee_id`;

/** The case view's SELECT over the cases table; $1 is the viewer. */
export const CASE_SELECT = caseSelectFrom('cases', '$1');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toCaseView(r: any): CaseView {
  return {
    id: r.id,
    number: r.number,
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    type: r.type,
    channel: r.channel,
    tags: r.tags,
    language: r.language,
    queueId: r.queue_id,
    queueName: r.queue_name,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    customerId: r.customer_id,
    customerName: r.customer_name,
    customerTier: r.customer_tier,
    customerLanguage: r.customer_language,
    routingState: r.routing_state,
    firstQueuedAt: iso(r.first_queued_at),
    firstResponseDueAt: iso(r.first_response_due_at),
    resolutionDueAt: iso(r.resolution_due_at),
    firstResponseAt: iso(r.first_response_at),
    solvedAt: iso(r.solved_at),
    pendingUntil: iso(r.pending_until),
    reminderFiredAt: iso(r.reminder_fired_at),
    reminderUnseen: r.reminder_unseen ?? false,
    slaBreachedAt: iso(r.sla_breached_at),
    resolutionNote: r.resolution_note,
    mergedIntoId: r.merged_into_id,
    lastActivityAt: iso(r.last_activity_at)!,
    createdAt: iso(r.created_at)!,
    unread: r.unread ?? false,
    lastMessage: r.last_message ?? null,
  };
}

export async function getCaseView(db: Queryable, caseId: number, viewerId: number): Promise<CaseView> {
  const r = await db.query(`${CASE_SELECT} WHERE c.id = $2`, [viewerId, caseId]);
  if (!r.rowCount) throw notFound('case');
  return toCaseView(r.rows[0]);
}

export interface CaseListFilter {
  status?: string[];
  channel?: string[];
}

/** The agent's own cases: open work first by the nearest SLA due time, then by last activity. */
export async function listMyCases(db: Queryable, agentId: number, f: CaseListFilter = {}): Promise<CaseView[]> {
  const statuses = f.status?.length ? f.status : ['new', 'open', 'pending'];
  const r = await db.query(
    `${CASE_SELECT}
      WHERE c.assignee_id = $1 AND c.status = ANY($2::text[]) AND ($3::text[] IS NULL OR c.channel = ANY($3::text[]))
        AND c.merged_into_id IS NULL
      ORDER BY CASE WHEN c.status IN ('solved', 'closed') THEN 1 ELSE 0 END,
               -- a case a reminder brought back stays on top until the agent opened it
               CASE WHEN c.status = 'open' AND c.reminder_fired_at > COALESCE((SELECT last_read_at FROM case_reads r WHERE r.case_id = c.id AND r.agent_id = $1), '-infinity') THEN 0 ELSE 1 END,
               LEAST(CASE WHEN c.first_response_at IS NULL THEN c.first_response_due_at END, c.resolution_due_at) NULLS LAST,
               c.last_activity_at DESC
      LIMIT 200`,
    [agentId, statuses, f.channel?.length ? f.channel : null],
  );
  return r.rows.map(toCaseView);
}

/** Waiting cases in the order the router takes them: priority, then first time in the queue. */
export async function listWaiting(db: Queryable, viewerId: number, queueId?: number): Promise<CaseView[]> {
  const r = await db.query(
    `${CASE_SELECT}
      WHERE c.routing_state IN ('waiting', 'offered') AND ($2::bigint IS NULL OR c.queue_id = $2)
      ORDER BY c.routing_priority NULLS LAST, c.first_queued_at, c.id
      LIMIT 200`,
    [viewerId, queueId ?? null],
  );
  return r.rows.map(toCaseView);
}

/** Marks a case read for the agent; false when there is no such case. */
export async function markCaseRead(db: Queryable, agentId: number, caseId: number): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO case_reads (agent_id, case_id, last_read_at) SELECT $1, id, now() FROM cases WHERE id = $2
     ON CONFLICT (agent_id, case_id) DO UPDATE SET last_read_at = now()`,
    [agentId, caseId],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function caseLinks(db: Queryable, caseId: number): Promise<CaseLink[]> {
  const r = await db.query(
    `SELECT l.kind, c.id, c.number, c.subject, c.status, c.channel
       FROM case_links l JOIN cases c ON c.id = CASE WHEN l.case_id = $1 THEN l.linked_case_id ELSE l.case_id END
      WHERE l.case_id = $1 OR l.linked_case_id = $1
      ORDER BY c.number`,
    [caseId],
  );
  return r.rows.map((x) => ({ kind: x.kind, caseId: x.id, number: x.number, subject: x.subject, status: x.status, channel: x.channel }));
}
