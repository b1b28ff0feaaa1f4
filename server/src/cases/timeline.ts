import sanitizeHtml from 'sanitize-html';
import { badRequest } from '../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { attemptView } from '../outbound/attempts.js';
import type { TimelineAttachment, TimelineItem, TimelinePage } from '../contracts/views.js';



export type { TimelineAttachment, TimelineItem, TimelinePage };

// Customer email can carry anything; the workspace shows only harmless markup.
const SAFE_HTML: sanitizeHtml.IOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img']),
  allowedAttributes: { a: ['href', 'title'], img: ['alt', 'src'] },
  allowedSchemes: ['http', 'https', 'mailto', 'cid'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { target: '_blank', rel: 'noopener noreferrer' }) },
};

export function encodeCursor(createdAt: Date | string, id: number): string {
  return `${new Date(createdAt).toISOString()}_${id}`;
}

export function decodeCursor(cursor: string): { createdAt: string; id: number } | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)_(\d{1,16})$/.exec(cursor);
  if (!m) return null;
  // the pattern alone lets "2024-13-45T99:99:99Z" or a 16-digit id through; Postgres would refuse them
  const at = new Date(m[1]!);
  const id = Number(m[2]);
  if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 19) !== m[1]!.slice(0, 19) || !Number.isSafeInteger(id)) return null;
  return { createdAt: m[1]!, id };
}

const SELECT_ITEMS = `
  SELECT i.*, c.number AS case_number, a.name AS author_name,
         COALESCE((SELECT json_agg(json_build_object('id', t.id, 'filename', t.filename, 'contentType', t.content_type, 'size', t.size_bytes) ORDER BY t.id)
                     FROM attachments t WHERE t.interaction_id = i.id AND NOT t.inline), '[]') AS attachments,
         CASE WHEN i.direction = 'outbound' THEN (SELECT json_agg(d ORDER BY d.attempt) FROM delivery_attempts d WHERE d.interaction_id = i.id) END AS delivery_attempts
    FROM interactions i
    JOIN cases c ON c.id = i.case_id
    LEFT JOIN agents a ON a.id = i.author_agent_id`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toTimelineItem(r: any): TimelineItem {
  return {
    id: r.id,
    caseId: r.case_id,
    caseNumber: r.case_number,
    channel: r.channel,
    direction: r.direction,
    kind: r.kind,
    authorAgentId: r.author_agent_id,
    authorName: r.author_name,
    from: r.from_address,
    to: r.to_address,
    subject: r.subject,
    text: r.text,
    html: r.html ? sanitizeHtml(r.html, SAFE_HTML) : null,
    deliveryStatus: r.delivery_status,
    deliveryError: r.delivery_error,
    deliveryAttempts: ((r.delivery_attempts ?? []) as unknown[]).map(attemptView),
    metadata: r.metadata ?? {},
    attachments: (r.attachments as Omit<TimelineAttachment, 'url'>[]).map((a) => ({ ...a, size: Number(a.size), url: `/api/v1/cases/${r.case_id}/attachments/${a.id}` })),
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/**
 * Every interaction of one customer across all channels and cases, newest first in pages
 * (the UI shows them oldest-to-newest and loads older pages as the agent scrolls back).
 */
/**
 * `scope` limits the entries to cases the reader may open: given the case alias and the parameter list,
 * it returns a SQL condition and appends its parameters (access/policy.ts caseScope).
 */
export async function customerTimeline(
  db: Queryable,
  customerId: number,
  opts: { before?: string; limit?: number; scope?: (caseAlias: string, params: unknown[]) => string } = {},
): Promise<TimelinePage> {
  const limit = Math.min(Math.max(opts.limit ?? 30, 1), 100);
  const cursor = opts.before ? decodeCursor(opts.before) : null;
  if (opts.before && !cursor) throw badRequest('before: not a cursor from this timeline (use nextBefore)', [{ field: 'querystring.before', reason: 'invalid cursor' }]);
  const params: unknown[] = [customerId, cursor?.createdAt ?? null, cursor?.id ?? 0, limit + 1];
  const scope = opts.scope ? opts.scope('c', params) : 'TRUE';
  const r = await db.query(
    `${SELECT_ITEMS}
      WHERE i.customer_id = $1 AND ($2::timestamptz IS NULL OR (i.created_at, i.id) < ($2::timestamptz, $3::bigint)) AND ${scope}
      ORDER BY i.created_at DESC, i.id DESC
      LIMIT $4`,
    params,
  );
  const rows = r.rows.slice(0, limit);
  const items = rows.map(toTimelineItem);
  const last = rows[rows.length - 1];
  return { items, nextBefore: r.rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
}

export async function timelineItem(db: Queryable, interactionId: number): Promise<TimelineItem | null> {
  const r = await db.query(`${SELECT_ITEMS} WHERE i.id = $1`, [interactionId]);
  return r.rowCount ? toTimelineItem(r.rows[0]) : null;
}
