import type { CasePriority, Channel } from '../contracts/vocabulary.js';
import type { Queryable } from '../db/pool.js';

export const DEFAULT_CHANNEL_PRIORITY: Record<Channel, number> = {
  voice: 10,
  chat: 20,
  sms: 40,
  portal: 50,
  api: 50,
  email: 60,
};

const CASE_PRIORITY_DELTA: Record<CasePriority, number> = { urgent: -8, high: -4, normal: 0, low: 4 };

export interface PriorityInput {
  channel: Channel;
  casePriority: CasePriority;
  vip: boolean;
  slaAtRisk: boolean;
  /** Queue-level overrides of the channel base, e.g. {"email": 55}. */
  overrides?: Partial<Record<Channel, number>>;
  /** Accumulated escalation raises (negative numbers = sooner). */
  escalationDelta?: number;
}

/** Routing priority in BullMQ terms: lower number is served sooner, never below 1. */
export function routingPriority(p: PriorityInput): number {
  const base = p.overrides?.[p.channel] ?? DEFAULT_CHANNEL_PRIORITY[p.channel];
  const value =
    base + CASE_PRIORITY_DELTA[p.casePriority] + (p.vip ? -3 : 0) + (p.slaAtRisk ? -5 : 0) + (p.escalationDelta ?? 0);
  return Math.min(2_097_152, Math.max(1, value));
}

/** Computes the case's routing priority from its channel, priority, customer tier and SLA state. */
export async function computeRoutingPriority(db: Queryable, caseId: number): Promise<number> {
  const r = await db.query(
    `SELECT c.channel, c.priority, cu.tier, q.priority_overrides,
            -- an SLA clock passed its warning share (lifecycle/sla.ts) and is not met yet
            EXISTS (SELECT 1 FROM case_sla_clocks k WHERE k.case_id = c.id AND k.warned_at IS NOT NULL AND k.met_at IS NULL) AS sla_at_risk,
            COALESCE((SELECT sum((e.data->>'priorityDelta')::int) FROM case_events e
                       WHERE e.case_id = c.id AND e.type = 'escalated' AND e.data ? 'priorityDelta'), 0) AS escalation_delta
       FROM cases c JOIN customers cu ON cu.id = c.customer_id LEFT JOIN queues q ON q.id = c.queue_id
      WHERE c.id = $1`,
    [caseId],
  );
  const row = r.rows[0];
  return routingPriority({
    channel: row.channel,
    casePriority: row.priority,
    vip: row.tier === 'vip',
    slaAtRisk: row.sla_at_risk,
    overrides: row.priority_overrides ?? {},
    escalationDelta: Number(row.escalation_delta),
  });
}

