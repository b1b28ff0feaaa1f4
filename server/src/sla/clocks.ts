/**
 * A case's SLA clocks in Postgres (case_sla_clocks): recomputed whenever the case is marked (a row in
 * `case_sla_marks`; triggers mark it when it is created, on every change of status, priority, queue, type,
 * first response or activity, and on every message; migrations 1201 and 1702), so no code path has to
 * remember to. What fires when is read back
 * from here: the delayed jobs on Redis (sla/timers.ts) are only wake-up calls.
 */
import type pg from 'pg';
import type { Queryable, Tx } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { calendarFor } from '../business-hours/opening-hours.js';
import { businessMinutesBetween, type BusinessCalendar } from '../business-hours/calendar.js';
import type { SlaClockView, SlaMetric } from '../contracts/sla.js';
import { builtInPolicy, computeClocks, pausesFromStatusHistory, selectPolicy, type SlaPolicy } from './policy.js';

/** A wake-up call: at `at`, look at the case's clock (warning or due) or its reminder. */
export interface SlaTimer {
  caseId: number;
  kind: 'warn' | 'due' | 'reminder';
  metric: SlaMetric | null;
  at: Date;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function policyFromRow(r: any): SlaPolicy {
  return {
    id: Number(r.id),
    name: r.name,
    position: r.position,
    enabled: r.enabled,
    conditions: r.conditions ?? {},
    firstResponseMinutes: r.first_response_minutes,
    nextResponseMinutes: r.next_response_minutes,
    resolutionMinutes: r.resolution_minutes,
    businessTime: r.business_time,
    warnPercent: r.warn_percent,
    escalation: r.escalation ?? {},
  };
}

/** The policy that governs a clock row (its own, or the built-in one when it has none). */
export async function policyOf(db: Queryable, policyId: number | null, c: { channel: string; priority: string }): Promise<SlaPolicy> {
  if (policyId) {
    const r = await db.query(`SELECT * FROM sla_policies WHERE id = $1`, [policyId]);
    if (r.rowCount) return policyFromRow(r.rows[0]);
  }
  return builtInPolicy(c.channel as never, c.priority as never);
}

/**
 * Recomputes one case's clocks under the policy that matches it now and clears its mark. Returns the
 * timers still to fire (warnings, due times, a pending case's reminder). A case that is gone or not
 * marked any more (another worker did it) gives no timers.
 */
export async function recomputeCaseSla(db: pg.Pool, caseId: number, opts: { force?: boolean } = {}): Promise<SlaTimer[]> {
  return withTransaction(db, async (tx) => {
    // the policies come with the case: one round trip fewer for every recomputed case (each new case is one)
    const r = await tx.query(
      `SELECT c.id, c.status, c.priority, c.channel, c.queue_id, c.type, c.created_at, c.first_response_at, c.solved_at, c.closed_at,
              c.pending_until, c.first_response_due_at, c.resolution_due_at, cu.tier,
              EXISTS (SELECT 1 FROM case_sla_marks m WHERE m.case_id = c.id) AS marked,
              (SELECT coalesce(json_agg(p ORDER BY p.position, p.id), '[]') FROM sla_policies p) AS policies
         FROM cases c JOIN customers cu ON cu.id = c.customer_id
        WHERE c.id = $1 FOR UPDATE OF c`,
      [caseId],
    );
    const c = r.rows[0];
    if (!c || (!c.marked && !opts.force)) return [];
    return recomputeLocked(tx, c);
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function recomputeLocked(tx: Tx, c: any): Promise<SlaTimer[]> {
  const policies = (c.policies as unknown[]).map(policyFromRow);
  const policy = selectPolicy(policies, { queueId: c.queue_id, channel: c.channel, priority: c.priority, tier: c.tier, type: c.type }) ?? builtInPolicy(c.channel, c.priority);
  const calendar = policy.businessTime ? await calendarFor(tx, c.queue_id) : null;
  const facts = await tx.query(
    `WITH last_out AS (
       SELECT max(created_at) AS at FROM interactions WHERE case_id = $1 AND direction = 'outbound' AND author_agent_id IS NOT NULL
     )
     SELECT (SELECT at FROM last_out) AS last_out,
            (SELECT min(i.created_at) FROM interactions i WHERE i.case_id = $1 AND i.direction = 'inbound'
               AND i.created_at > COALESCE((SELECT at FROM last_out), '-infinity')) AS awaiting,
            COALESCE((SELECT json_agg(json_build_object('type', e.type, 'to', e.data->>'to', 'at', e.created_at) ORDER BY e.created_at, e.id)
                        FROM case_events e WHERE e.case_id = $1 AND e.type IN ('status_changed', 'reopened', 'solved', 'closed')), '[]') AS history,
            COALESCE((SELECT json_agg(k) FROM case_sla_clocks k WHERE k.case_id = $1), '[]') AS clocks`,
    [c.id],
  );
  const f = facts.rows[0];
  const history = (f.history as { type: string; to: string | null; at: string }[]).map((h) => ({
    to: h.type === 'reopened' ? 'open' : h.type === 'solved' || h.type === 'closed' ? h.type : (h.to ?? ''),
    at: new Date(h.at),
  }));
  const resolved = c.status === 'solved' || c.status === 'closed';
  const clocks = computeClocks(policy, calendar, {
    createdAt: c.created_at,
    channel: c.channel,
    firstResponseAt: c.first_response_at,
    resolvedAt: resolved ? (c.solved_at ?? c.closed_at ?? new Date()) : null,
    pauses: pausesFromStatusHistory(history),
    // the first response has its own clock; a next response is owed once the customer wrote after it
    awaitingReplySince: c.first_response_at && f.awaiting && !resolved ? f.awaiting : null,
    lastAgentReplyAt: f.last_out,
  });

  if (resolved) {
    // a solved or closed case owes no reply: an unmet response clock stops (a reopen starts it again)
    for (const k of clocks) if (!k.metAt) Object.assign(k, { warnAt: null, dueAt: null, paused: true });
  }
  // the clocks as they are now (timestamps as JSON strings), read with the facts above
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const existing = new Map((f.clocks as any[]).map((x) => [x.metric as SlaMetric, x]));
  // what each clock row holds once written: its timers are read from here, not read back
  const rows: { metric: SlaMetric; warnAt: Date | null; dueAt: Date | null; warnedAt: unknown; breachedAt: unknown; metAt: unknown }[] = [];
  const values = clocks.map((k) => {
    const old = existing.get(k.metric);
    existing.delete(k.metric);
    // a new cycle (a later customer message for next response) forgets what happened to the last one
    const sameCycle = old && new Date(old.started_at).getTime() === k.startedAt.getTime();
    const row = {
      metric: k.metric,
      target_minutes: Math.round(k.targetMinutes),
      started_at: k.startedAt,
      warn_at: k.warnAt,
      due_at: k.dueAt,
      paused: k.paused,
      warned_at: sameCycle ? old.warned_at : null,
      breached_at: sameCycle ? old.breached_at : null,
      met_at: k.metAt ?? (sameCycle ? old.met_at : null),
    };
    rows.push({ metric: k.metric, warnAt: k.warnAt, dueAt: k.dueAt, warnedAt: row.warned_at, breachedAt: row.breached_at, metAt: row.met_at });
    return row;
  });
  if (values.length) {
    // every clock of the case in one statement
    await tx.query(
      `INSERT INTO case_sla_clocks (case_id, metric, policy_id, business_time, target_minutes, started_at, warn_at, due_at, paused, warned_at, breached_at, met_at, updated_at)
       SELECT $1, x.metric, $2, $3, x.target_minutes, x.started_at, x.warn_at, x.due_at, x.paused, x.warned_at, x.breached_at, x.met_at, now()
         FROM json_to_recordset($4::json) AS x(metric text, target_minutes int, started_at timestamptz, warn_at timestamptz, due_at timestamptz,
                                               paused boolean, warned_at timestamptz, breached_at timestamptz, met_at timestamptz)
       ON CONFLICT (case_id, metric) DO UPDATE SET policy_id = EXCLUDED.policy_id, business_time = EXCLUDED.business_time,
         target_minutes = EXCLUDED.target_minutes, started_at = EXCLUDED.started_at, warn_at = EXCLUDED.warn_at, due_at = EXCLUDED.due_at,
         paused = EXCLUDED.paused, warned_at = EXCLUDED.warned_at, breached_at = EXCLUDED.breached_at, met_at = EXCLUDED.met_at, updated_at = now()`,
      [c.id, policy.id, policy.businessTime, JSON.stringify(values)],
    );
  }
  for (const [metric, old] of existing) {
    if (metric === 'next_response' && !old.met_at && f.last_out && new Date(f.last_out) > new Date(old.started_at)) {
      // the agent answered: this cycle is over (kept for the report until the next one starts)
      await tx.query(`UPDATE case_sla_clocks SET met_at = $3, updated_at = now() WHERE case_id = $1 AND metric = $2`, [c.id, metric, f.last_out]);
    } else if (!old.met_at && !old.breached_at && metric !== 'next_response') {
      // the case's policy no longer has this target
      await tx.query(`DELETE FROM case_sla_clocks WHERE case_id = $1 AND metric = $2`, [c.id, metric]);
    } else {
      // kept as it is (a breached clock, or a next-response cycle still open)
      rows.push({ metric, warnAt: old.warn_at ? new Date(old.warn_at) : null, dueAt: old.due_at ? new Date(old.due_at) : null, warnedAt: old.warned_at, breachedAt: old.breached_at, metAt: old.met_at });
    }
  }
  const due = (m: SlaMetric) => clocks.find((k) => k.metric === m)?.dueAt ?? null;
  // the case row only when its due times moved: most changes (an accept, a solve) leave them, and a case row
  // write touches every index of the busiest table
  const same = (a: Date | string | null, b: Date | null) => (a == null ? null : new Date(a).getTime()) === (b?.getTime() ?? null);
  if (!same(c.first_response_due_at, due('first_response')) || !same(c.resolution_due_at, due('resolution'))) {
    await tx.query(`UPDATE cases SET first_response_due_at = $2, resolution_due_at = $3 WHERE id = $1`, [c.id, due('first_response'), due('resolution')]);
  }
  await tx.query(`DELETE FROM case_sla_marks WHERE case_id = $1`, [c.id]);

  const timers: SlaTimer[] = [];
  for (const k of rows) {
    // a clock still running: not met, not breached, with a due time
    if (k.metAt || k.breachedAt || !k.dueAt) continue;
    if (!k.warnedAt && k.warnAt) timers.push({ caseId: Number(c.id), kind: 'warn', metric: k.metric, at: k.warnAt });
    timers.push({ caseId: Number(c.id), kind: 'due', metric: k.metric, at: k.dueAt });
  }
  if (c.status === 'pending' && c.pending_until) timers.push({ caseId: Number(c.id), kind: 'reminder', metric: null, at: c.pending_until });
  return timers;
}

/** Cases marked for recomputation, oldest first. */
export async function markedCases(db: Queryable, limit: number): Promise<number[]> {
  return (await db.query(`SELECT case_id FROM case_sla_marks ORDER BY case_id LIMIT $1`, [limit])).rows.map((r) => Number(r.case_id));
}

/** Every timer still to fire, from Postgres: what a rebuild after a Redis loss puts back. */
export async function liveTimers(db: Queryable): Promise<SlaTimer[]> {
  const clocks = await db.query(`SELECT case_id, metric, warn_at, due_at, warned_at FROM case_sla_clocks WHERE met_at IS NULL AND breached_at IS NULL AND due_at IS NOT NULL`);
  const reminders = await db.query(`SELECT id, pending_until FROM cases WHERE status = 'pending' AND pending_until IS NOT NULL`);
  const out: SlaTimer[] = [];
  for (const k of clocks.rows) {
    const caseId = Number(k.case_id);
    if (!k.warned_at && k.warn_at) out.push({ caseId, kind: 'warn', metric: k.metric, at: k.warn_at });
    out.push({ caseId, kind: 'due', metric: k.metric, at: k.due_at });
  }
  for (const c of reminders.rows) out.push({ caseId: Number(c.id), kind: 'reminder', metric: null, at: c.pending_until });
  return out;
}

/** Timers whose time has come (by `now`) but which have not fired: fired by the sweep if Redis lost them. */
export async function overdueTimers(db: Queryable, now: Date, limit = 200): Promise<SlaTimer[]> {
  const r = await db.query(
    `(SELECT case_id, metric, 'warn' AS kind, warn_at AS at FROM case_sla_clocks
       WHERE met_at IS NULL AND breached_at IS NULL AND warned_at IS NULL AND warn_at <= $1 LIMIT $2)
     UNION ALL
     (SELECT case_id, metric, 'due', due_at FROM case_sla_clocks
       WHERE met_at IS NULL AND breached_at IS NULL AND due_at <= $1 LIMIT $2)
     UNION ALL
     (SELECT id, NULL, 'reminder', pending_until FROM cases WHERE status = 'pending' AND pending_until <= $1 LIMIT $2)`,
    [now, limit],
  );
  return r.rows.map((k) => ({ caseId: Number(k.case_id), kind: k.kind, metric: k.metric, at: k.at }));
}

/** The case view's clocks, with the business minutes left as of `now`. */
export async function caseClocks(db: Queryable, caseId: number, now: Date = new Date()): Promise<SlaClockView[]> {
  const r = await db.query(
    `SELECT k.*, p.name AS policy_name, c.queue_id FROM case_sla_clocks k JOIN cases c ON c.id = k.case_id LEFT JOIN sla_policies p ON p.id = k.policy_id
      WHERE k.case_id = $1 ORDER BY array_position(ARRAY['first_response', 'next_response', 'resolution'], k.metric)`,
    [caseId],
  );
  if (!r.rowCount) return [];
  const calendar: BusinessCalendar | null = r.rows.some((k) => k.business_time) ? await calendarFor(db, r.rows[0].queue_id) : null;
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return r.rows.map((k) => {
    let left: number | null = null;
    if (k.due_at && !k.met_at) {
      const cal = k.business_time ? calendar : null;
      const due = new Date(k.due_at);
      left = due > now ? businessMinutesBetween(cal, now, due) : -businessMinutesBetween(cal, due, now);
      left = Math.round(left * 10) / 10;
    }
    return {
      metric: k.metric,
      policyId: k.policy_id == null ? null : Number(k.policy_id),
      policyName: k.policy_name ?? null,
      businessTime: k.business_time,
      targetMinutes: k.target_minutes,
      startedAt: iso(k.started_at)!,
      warnAt: iso(k.warn_at),
      dueAt: iso(k.due_at),
      paused: k.paused,
      warnedAt: iso(k.warned_at),
      breachedAt: iso(k.breached_at),
      metAt: iso(k.met_at),
      businessMinutesLeft: left,
    };
  });
}

/** After a policy or calendar change: every case still being worked on is recomputed by the SLA worker. */
export async function markOpenCasesForSla(db: Queryable, queueId?: number | null): Promise<void> {
  await db.query(
    `INSERT INTO case_sla_marks (case_id)
     SELECT id FROM cases WHERE status IN ('new', 'open', 'pending') AND ($1::bigint IS NULL OR queue_id = $1)
     ON CONFLICT DO NOTHING`,
    [queueId ?? null],
  );
}
