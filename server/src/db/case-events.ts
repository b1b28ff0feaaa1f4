import type { Queryable } from './pool.js';

export type CaseEventType =
  | 'created' | 'queued' | 'requeued' | 'offered' | 'accepted' | 'declined' | 'timed_out' | 'rescinded'
  | 'assigned' | 'unassigned' | 'transferred' | 'escalated' | 'status_changed' | 'priority_changed'
  | 'first_response' | 'solved' | 'reopened' | 'closed' | 'abandoned' | 'sla_warning' | 'sla_breach'
  | 'merged' | 'updated' | 'interaction'
  // migration 1221: SLA reminders, CSAT ratings, automation rule runs
  | 'reminder_due' | 'csat_received' | 'automation'
  // migration 1601: an agent's after-call work on the case ended (data.seconds)
  | 'wrap_up';

export interface CaseEventInput {
  caseId: number;
  type: CaseEventType;
  agentId?: number | null;
  queueId?: number | null;
  channel?: string | null;
  data?: Record<string, unknown>;
}

export async function writeCaseEvent(db: Queryable, e: CaseEventInput): Promise<void> {
  await db.query(
    `INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
     VALUES ($1, $2, $3, COALESCE($4, (SELECT queue_id FROM cases WHERE id = $1)), COALESCE($5, (SELECT channel FROM cases WHERE id = $1)), $6)`,
    [e.caseId, e.type, e.agentId ?? null, e.queueId ?? null, e.channel ?? null, JSON.stringify(e.data ?? {})],
  );
}

/**
 * Why a change happened, when it was not a person: an automation rule (and the rules whose changes led to it).
 * Written into the events' data, so the automation worker does not run a rule again on its own changes.
 */
export interface CaseEventCause {
  automation: { ruleId: number; chain: number[] };
}

/** Event data with its cause, if any. */
export const withCause = (data: Record<string, unknown>, cause?: CaseEventCause | null): Record<string, unknown> => (cause ? { ...data, ...cause } : data);
