/**
 * A case's SLA clocks in Postgres (case_sla_clocks): recomputed whenever the case is marked (a row in
 * `case_sla_marks`; triggers mark it when it is created, on every change of status, priority, queue, type,
 * first response or activity, and on every message; migrations 1201 and 1702), so no code path has to
 * remember to. What fires when is read from here too: the SLA worker asks `dueTimers` every tick.
 */
import type pg from 'pg';
import type { Queryable, Tx } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { calendarFor, calendarOf, type OpeningHoursRow } from '../business-hours/opening-hours.js';
import { businessMinutesBetween, type BusinessCalendar } from '../business-hours/calendar.js';
import type { SlaClockView } from '../contracts/sla.js';
import { builtInPolicy, type SlaPolicy } from './policy.js';
import { planCaseSla, policyForCase, type SlaCaseFacts, type SlaCaseRow, type SlaTimer } from './recompute-plan.js';

export type { SlaTimer } from './recompute-plan.js';

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
 * marked any more (another worker did it) gives no timers; `force` recomputes it marked or not.
 */
export async function recomputeCaseSla(db: pg.Pool, caseId: number, opts: { force?: boolean } = {}): Promise<SlaTimer[]> {
  return (await recomputeCasesSla(db, { ids: [caseId], force: opts.force })).timers;
}

/**
 * Which cases to recompute: these ones (waiting for a writer that holds one, as a caller that needs it
 * done does), or up to `marked` of the marked cases nobody holds right now, oldest mark first (a case a
 * writer has locked stays marked for the next round: its writer is about to change it anyway).
 */
export type SlaCaseSelection = { ids: number[]; force?: boolean } | { marked: number };

// the case as planCaseSla reads it (SlaCaseRow)
const CASE_COLUMNS = `c.id, c.status, c.priority, c.channel, c.queue_id, c.type, c.created_at, c.first_response_at, c.solved_at, c.closed_at,
       c.pending_until, c.first_response_due_at, c.resolution_due_at, cu.tier`;

/**
 * Recomputes a batch of cases in one short transaction whose statements do not grow with the batch: the
 * cases locked in one, the policies and opening hours in one, every case's facts in one, then one
 * statement for each kind of write (clocks, met cycles, dropped clocks, due times, marks). Each case is
 * decided by planCaseSla exactly as on its own. Returns the cases recomputed and their timers.
 */
export async function recomputeCasesSla(db: pg.Pool, sel: SlaCaseSelection): Promise<{ caseIds: number[]; timers: SlaTimer[] }> {
  return withTransaction(db, async (tx) => {
    let cases: SlaCaseRow[];
    if ('marked' in sel) {
      // Driven by the marks, one case at a time (a lateral subquery that locks is never flattened), and stops
      // at the limit. As a plain join the planner, misled by the marks' churn, merge-joined the cases' primary
      // key from its first row: 3,500 cases and their customers read (10 ms) to lock 200, and more as the
      // table grows.
      const r = await tx.query(
        `SELECT c.* FROM case_sla_marks m
           CROSS JOIN LATERAL (SELECT ${CASE_COLUMNS} FROM cases c JOIN customers cu ON cu.id = c.customer_id
                                WHERE c.id = m.case_id FOR UPDATE OF c SKIP LOCKED) c
          ORDER BY m.case_id LIMIT $1`,
        [sel.marked],
      );
      cases = r.rows;
    } else {
      // in id order: two callers locking overlapping batches wait for each other instead of deadlocking
      const r = await tx.query(
        `SELECT ${CASE_COLUMNS}, EXISTS (SELECT 1 FROM case_sla_marks m WHERE m.case_id = c.id) AS marked
           FROM cases c JOIN customers cu ON cu.id = c.customer_id
          WHERE c.id = ANY($1::bigint[]) ORDER BY c.id FOR UPDATE OF c`,
        [sel.ids],
      );
      cases = r.rows.filter((c) => c.marked || sel.force);
    }
    if (!cases.length) return { caseIds: [], timers: [] };
    return recomputeLocked(tx, cases);
  });
}

async function recomputeLocked(tx: Tx, cases: SlaCaseRow[]): Promise<{ caseIds: number[]; timers: SlaTimer[] }> {
  const caseIds = cases.map((c) => Number(c.id));
  const queueIds = [...new Set(cases.map((c) => c.queue_id).filter((q) => q != null))];
  // read after the cases were locked, so they see whatever their last writer committed
  const settings = await tx.query(
    `SELECT (SELECT coalesce(json_agg(p ORDER BY p.position, p.id), '[]') FROM sla_policies p) AS policies,
            (SELECT coalesce(json_agg(json_build_object('queue_id', b.queue_id, 'time_zone', b.time_zone, 'weekly', b.weekly, 'holidays', b.holidays)), '[]')
               FROM business_hours b WHERE b.queue_id = ANY($1::bigint[]) OR b.queue_id IS NULL) AS hours`,
    [queueIds],
  );
  const policies = (settings.rows[0].policies as unknown[]).map(policyFromRow);
  const hours = settings.rows[0].hours as OpeningHoursRow[];
  const facts = await tx.query(
    `SELECT x.id, lo.at AS last_out,
            (SELECT min(i.created_at) FROM interactions i WHERE i.case_id = x.id AND i.direction = 'inbound'
               AND i.created_at > COALESCE(lo.at, '-infinity')) AS awaiting,
            -- the type filter on the aggregate, not in WHERE: with it in WHERE the planner ANDs in the (type, time)
            -- index, which reads every status change of every case (it grew with the table: 0.04 ms a case at 40,000 events)
            COALESCE((SELECT json_agg(json_build_object('type', e.type, 'to', e.data->>'to', 'at', e.created_at) ORDER BY e.created_at, e.id)
                               FILTER (WHERE e.type IN ('status_changed', 'reopened', 'solved', 'closed'))
                        FROM case_events e WHERE e.case_id = x.id), '[]') AS history,
            COALESCE((SELECT json_agg(k) FROM case_sla_clocks k WHERE k.case_id = x.id), '[]') AS clocks
       FROM unnest($1::bigint[]) AS x(id)
       CROSS JOIN LATERAL (SELECT max(created_at) AS at FROM interactions
                            WHERE case_id = x.id AND direction = 'outbound' AND author_agent_id IS NOT NULL) lo`,
    [caseIds],
  );
  const factsOf = new Map<number, SlaCaseFacts>(facts.rows.map((f) => [Number(f.id), f]));
  const plans = cases.map((c) => {
    const policy = policyForCase(policies, c);
    return planCaseSla(c, policy, policy.businessTime ? calendarOf(hours, c.queue_id) : null, factsOf.get(Number(c.id))!);
  });

  const upserts = plans.flatMap((p) => p.upserts.map((k) => ({ ...k, case_id: p.caseId, policy_id: p.policy.id, business_time: p.policy.businessTime })));
  if (upserts.length) {
    // every clock of the batch in one statement
    await tx.query(
      `INSERT INTO case_sla_clocks (case_id, metric, policy_id, business_time, target_minutes, started_at, warn_at, due_at, paused, warned_at, breached_at, met_at, updated_at)
       SELECT x.case_id, x.metric, x.policy_id, x.business_time, x.target_minutes, x.started_at, x.warn_at, x.due_at, x.paused, x.warned_at, x.breached_at, x.met_at, now()
         FROM json_to_recordset($1::json) AS x(case_id bigint, metric text, policy_id bigint, business_time boolean, target_minutes int, started_at timestamptz,
                                               warn_at timestamptz, due_at timestamptz, paused boolean, warned_at timestamptz, breached_at timestamptz, met_at timestamptz)
       ON CONFLICT (case_id, metric) DO UPDATE SET policy_id = EXCLUDED.policy_id, business_time = EXCLUDED.business_time,
         target_minutes = EXCLUDED.target_minutes, started_at = EXCLUDED.started_at, warn_at = EXCLUDED.warn_at, due_at = EXCLUDED.due_at,
         paused = EXCLUDED.paused, warned_at = EXCLUDED.warned_at, breached_at = EXCLUDED.breached_at, met_at = EXCLUDED.met_at, updated_at = now()`,
      [JSON.stringify(upserts)],
    );
  }
  const met = plans.flatMap((p) => p.met.map((m) => ({ case_id: p.caseId, metric: m.metric, met_at: m.at })));
  if (met.length) {
    // next-response cycles the agent's reply ended (kept for the report until the next one starts)
    await tx.query(
      `UPDATE case_sla_clocks k SET met_at = x.met_at, updated_at = now()
         FROM json_to_recordset($1::json) AS x(case_id bigint, metric text, met_at timestamptz)
        WHERE k.case_id = x.case_id AND k.metric = x.metric`,
      [JSON.stringify(met)],
    );
  }
  const dropped = plans.flatMap((p) => p.dropped.map((metric) => ({ caseId: p.caseId, metric })));
  if (dropped.length) {
    // targets the cases' policies no longer have
    await tx.query(
      `DELETE FROM case_sla_clocks k USING unnest($1::bigint[], $2::text[]) AS x(case_id, metric) WHERE k.case_id = x.case_id AND k.metric = x.metric`,
      [dropped.map((x) => x.caseId), dropped.map((x) => x.metric)],
    );
  }
  const moved = plans.filter((p) => p.dueTimes);
  if (moved.length) {
    // only the cases whose due times moved: a case row write touches every index of the busiest table
    await tx.query(
      `UPDATE cases c SET first_response_due_at = x.first_response_due_at, resolution_due_at = x.resolution_due_at
         FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS x(id, first_response_due_at, resolution_due_at)
        WHERE c.id = x.id`,
      [moved.map((p) => p.caseId), moved.map((p) => p.dueTimes!.firstResponse), moved.map((p) => p.dueTimes!.resolution)],
    );
  }
  await tx.query(`DELETE FROM case_sla_marks WHERE case_id = ANY($1::bigint[])`, [caseIds]);
  return { caseIds, timers: plans.flatMap((p) => p.timers) };
}

/** Cases marked for recomputation, oldest first. */
export async function markedCases(db: Queryable, limit: number): Promise<number[]> {
  return (await db.query(`SELECT case_id FROM case_sla_marks ORDER BY case_id LIMIT $1`, [limit])).rows.map((r) => Number(r.case_id));
}

/**
 * Warnings, due times and reminders whose time has come (by `now`) and that have not fired, of cases still
 * being worked on: what the SLA worker fires each tick. Each branch is one probe of a partial index that
 * holds only unfired timers (case_sla_clocks_live_idx, case_sla_clocks_warn_idx of migration 1771) or only
 * pending cases (cases_pending_due_idx), so an empty answer costs next to nothing however many cases there are.
 */
export async function dueTimers(db: Queryable, now: Date, limit = 200): Promise<SlaTimer[]> {
  const r = await db.query(
    // the case's status is checked inside each branch, before its LIMIT: a clock left unfired on a solved case
    // can never take the place of a due one
    `SELECT t.* FROM (
       (SELECT k.case_id, k.metric, 'warn' AS kind, k.warn_at AS at FROM case_sla_clocks k JOIN cases c ON c.id = k.case_id
         WHERE k.met_at IS NULL AND k.breached_at IS NULL AND k.warned_at IS NULL AND k.warn_at <= $1 AND c.status IN ('new', 'open', 'pending')
         ORDER BY k.warn_at LIMIT $2)
       UNION ALL
       (SELECT k.case_id, k.metric, 'due', k.due_at FROM case_sla_clocks k JOIN cases c ON c.id = k.case_id
         WHERE k.met_at IS NULL AND k.breached_at IS NULL AND k.due_at <= $1 AND c.status IN ('new', 'open', 'pending')
         ORDER BY k.due_at LIMIT $2)
       UNION ALL
       (SELECT id, NULL, 'reminder', pending_until FROM cases WHERE status = 'pending' AND pending_until <= $1 ORDER BY pending_until LIMIT $2)
     ) t
     ORDER BY t.at LIMIT $2`,
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
