/**
 * The agents' bell: one store (the `notifications` table) and one way in for every kind — @mentions,
 * SLA warnings and breaches, reminders due, reassignments and automation rule notices. A notice is
 * stored first (so it survives a reload and is listed by GET /api/v1/notifications), then pushed live
 * as the `notification` event to the agent's room on /agent. Each agent's preferences (My profile:
 * `notificationPrefs.kinds`) decide which kinds they get at all; unset means on.
 */
import type { Queryable } from '../db/pool.js';
import type { Log } from '../lib/log.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';
import { NAMESPACES, rooms } from '../contracts/realtime.js';
import type { Notification } from '../contracts/views.js';
import type { AgentNoticeKind } from '../contracts/vocabulary.js';
import { bestEffort } from '../lib/best-effort.js';

export interface AgentNoticeInput {
  kind: AgentNoticeKind;
  /** who gets it: these agents, and with `supervisors` every active supervisor and admin (each at most once) */
  to: { agentIds?: (number | null | undefined)[]; supervisors?: boolean };
  caseId?: number | null;
  interactionId?: number | null;
  /** the agent who caused it (shown as the actor; never notified of their own action) */
  actorAgentId?: number | null;
  /** ready to show, at most 300 characters kept (a rule's message, a note's excerpt); may be empty */
  text?: string;
  /** what the kind adds for the UI, e.g. { dueAt } for SLA, { ruleName } for rules, { toAgentName } for reassignments */
  data?: Record<string, unknown>;
}

export interface AgentNoticeDeps {
  db: Queryable;
  realtime?: RealtimeEmitter;
  log?: Pick<Log, 'warn'>;
}

/**
 * Stores a notice for each recipient whose preferences take this kind, inside the caller's transaction
 * when `db` is one. Returns the stored notices; hand them to `pushAgentNotices` after commit.
 */
export async function insertAgentNotices(db: Queryable, n: AgentNoticeInput): Promise<Notification[]> {
  const ids = [...new Set((n.to.agentIds ?? []).filter((x): x is number => typeof x === 'number'))];
  if (!ids.length && !n.to.supervisors) return [];
  const r = await db.query(
    `WITH targets AS (
       SELECT id FROM agents
        WHERE active AND (id = ANY($1::bigint[]) OR ($2 AND role IN ('supervisor', 'admin')))
          AND id IS DISTINCT FROM $5::bigint
          AND COALESCE((notification_prefs->'kinds'->>$3)::boolean, true)
     ), ins AS (
       INSERT INTO notifications (agent_id, kind, case_id, interaction_id, actor_agent_id, text, data)
       SELECT id, $3, $4, $6, $5, left($7, 300), $8::jsonb FROM targets RETURNING *
     )
     SELECT ins.*, c.number AS case_number, a.name AS actor_name
       FROM ins LEFT JOIN cases c ON c.id = ins.case_id LEFT JOIN agents a ON a.id = ins.actor_agent_id
      ORDER BY ins.id`,
    [ids, n.to.supervisors === true, n.kind, n.caseId ?? null, n.actorAgentId ?? null, n.interactionId ?? null, n.text ?? '', JSON.stringify(n.data ?? {})],
  );
  return r.rows.map(toNotification);
}

/** Pushes stored notices to their agents' sockets (any node). Never throws: the bell also loads them on reload. */
export async function pushAgentNotices(deps: Pick<AgentNoticeDeps, 'realtime' | 'log'>, notices: Notification[]): Promise<void> {
  if (!deps.realtime) return;
  for (const n of notices) {
    await bestEffort(
      deps.realtime.emit({ nsp: NAMESPACES.agent, room: rooms.agent(n.agentId), event: 'notification', payload: n }),
      deps.log,
      `pushing a ${n.kind} notification`,
    );
  }
}

/**
 * The one call for everything outside a transaction (SLA timers, reminders, automation rules): store,
 * then push live. Returns what was stored (empty when every recipient turned this kind off).
 */
export async function notifyAgents(deps: AgentNoticeDeps, n: AgentNoticeInput): Promise<Notification[]> {
  const stored = await insertAgentNotices(deps.db, n);
  await pushAgentNotices(deps, stored);
  return stored;
}

/** The latest notices of one agent, unread first. */
export async function listAgentNotices(db: Queryable, agentId: number, limit = 50): Promise<Notification[]> {
  const r = await db.query(
    `SELECT n.*, c.number AS case_number, a.name AS actor_name FROM notifications n
       LEFT JOIN cases c ON c.id = n.case_id LEFT JOIN agents a ON a.id = n.actor_agent_id
      WHERE n.agent_id = $1 ORDER BY n.read_at IS NULL DESC, n.created_at DESC, n.id DESC LIMIT $2`,
    [agentId, limit],
  );
  return r.rows.map(toNotification);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toNotification(r: any): Notification {
  return {
    id: Number(r.id),
    agentId: Number(r.agent_id),
    kind: r.kind,
    caseId: r.case_id == null ? null : Number(r.case_id),
    caseNumber: r.case_number == null ? null : Number(r.case_number),
    interactionId: r.interaction_id == null ? null : Number(r.interaction_id),
    actorName: r.actor_name ?? null,
    text: r.text ?? '',
    data: r.data ?? {},
    createdAt: new Date(r.created_at).toISOString(),
    readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
  };
}
