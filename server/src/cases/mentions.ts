import type { Queryable } from '../db/pool.js';
import type { Notification } from '../contracts/views.js';
import { toNotification } from '../notifications/agent-notices.js';

/**
 * Mentions are written as @handle where handle is the part of an agent's email before the "@"
 * (e.g. @alice for alice@example.com) — stable, unique enough and typeable in any keyboard layout.
 */
export function parseMentions(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/(^|[^\w.@])@([a-z0-9][a-z0-9._-]{0,62})/gi)) out.add(m[2]!.toLowerCase().replace(/[._-]+$/, ''));
  return [...out];
}

/** a new mention as the realtime `notification` event carries it (not read yet) */
export type MentionNotification = Omit<Notification, 'readAt'>;

/** Creates one notification per mentioned agent (never the author) and returns them for realtime delivery. */
export async function notifyMentions(db: Queryable, o: { caseId: number; interactionId: number; authorId: number; text: string }): Promise<MentionNotification[]> {
  const handles = parseMentions(o.text);
  if (!handles.length) return [];
  const r = await db.query(
    `WITH targets AS (
       SELECT id FROM agents WHERE active AND id <> $3 AND lower(split_part(email, '@', 1)) = ANY($4::text[])
         AND COALESCE((notification_prefs->'kinds'->>'mention')::boolean, true)
     ), ins AS (
       INSERT INTO notifications (agent_id, kind, case_id, interaction_id, actor_agent_id, text)
       SELECT id, 'mention', $1, $2, $3, left($5, 300) FROM targets RETURNING *
     )
     SELECT ins.*, c.number AS case_number, a.name AS actor_name FROM ins JOIN cases c ON c.id = ins.case_id JOIN agents a ON a.id = ins.actor_agent_id`,
    [o.caseId, o.interactionId, o.authorId, handles, o.text],
  );
  return r.rows.map(toNotification);
}
