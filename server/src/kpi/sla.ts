/**
 * SLA KPIs from the clocks (case_sla_clocks): "SLA met %" of first response and resolution per policy,
 * queue or agent, and the breached cases behind it. A clock counts in the window its case was created in
 * (the clock's start), once decided: met in time, or breached (late, or still open past its due time).
 */
import type { Queryable } from '../db/pool.js';
import type { SlaBreachRow, SlaMetRow } from '../contracts/sla.js';

export type SlaGroup = 'policy' | 'queue' | 'agent';

const GROUP: Record<SlaGroup, { id: string; name: string }> = {
  policy: { id: 'k.policy_id', name: 'p.name' },
  queue: { id: 'c.queue_id', name: 'q.name' },
  agent: { id: 'c.assignee_id', name: 'a.name' },
};

const FROM = `FROM case_sla_clocks k JOIN cases c ON c.id = k.case_id
  LEFT JOIN sla_policies p ON p.id = k.policy_id LEFT JOIN queues q ON q.id = c.queue_id LEFT JOIN agents a ON a.id = c.assignee_id`;

export interface SlaWindow {
  from: Date;
  to: Date;
  queueId?: number;
  agentId?: number;
  policyId?: number;
}

const FILTER = `k.metric IN ('first_response', 'resolution') AND k.started_at >= $1 AND k.started_at < $2
  AND ($3::bigint IS NULL OR c.queue_id = $3) AND ($4::bigint IS NULL OR c.assignee_id = $4) AND ($5::bigint IS NULL OR k.policy_id = $5)`;
const args = (w: SlaWindow) => [w.from, w.to, w.queueId ?? null, w.agentId ?? null, w.policyId ?? null];

export async function slaMet(db: Queryable, w: SlaWindow, by: SlaGroup): Promise<SlaMetRow[]> {
  const g = GROUP[by];
  const r = await db.query(
    `SELECT ${g.id} AS id, min(${g.name}) AS name, k.metric,
            count(*) FILTER (WHERE k.breached_at IS NULL AND k.met_at IS NOT NULL AND (k.due_at IS NULL OR k.met_at <= k.due_at))::int AS met,
            count(*) FILTER (WHERE k.breached_at IS NOT NULL OR (k.met_at IS NOT NULL AND k.due_at IS NOT NULL AND k.met_at > k.due_at))::int AS breached
       ${FROM}
      WHERE ${FILTER}
      GROUP BY ${g.id}, k.metric
      ORDER BY min(${g.name}) NULLS LAST, k.metric`,
    args(w),
  );
  return r.rows
    .map((x) => ({ id: x.id == null ? null : Number(x.id), name: x.name, metric: x.metric, met: x.met, breached: x.breached, total: x.met + x.breached, metShare: x.met + x.breached ? x.met / (x.met + x.breached) : null }))
    .filter((x) => x.total > 0);
}

export async function slaBreaches(db: Queryable, w: SlaWindow, limit = 200): Promise<SlaBreachRow[]> {
  const r = await db.query(
    `SELECT c.id, c.number, c.subject, c.status, c.priority, k.metric, p.name AS policy_name, q.name AS queue_name, a.name AS assignee_name,
            k.due_at, COALESCE(k.breached_at, k.met_at) AS breached_at, k.met_at
       ${FROM}
      WHERE ${FILTER} AND (k.breached_at IS NOT NULL OR (k.met_at IS NOT NULL AND k.due_at IS NOT NULL AND k.met_at > k.due_at))
      ORDER BY COALESCE(k.breached_at, k.met_at) DESC
      LIMIT $6`,
    [...args(w), limit],
  );
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return r.rows.map((x) => ({
    caseId: Number(x.id), number: Number(x.number), subject: x.subject, status: x.status, priority: x.priority, metric: x.metric,
    policyName: x.policy_name, queueName: x.queue_name, assigneeName: x.assignee_name, dueAt: iso(x.due_at)!, breachedAt: iso(x.breached_at)!, metAt: iso(x.met_at),
  }));
}
