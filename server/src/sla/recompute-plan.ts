/**
 * What recomputing a case's clocks writes and schedules, from what was read of it: pure, so the batch
 * recomputation (sla/clocks.ts, recomputeCasesSla) decides for each case exactly as a single case is
 * decided, and only the round trips are shared.
 */
import type { BusinessCalendar } from '../business-hours/calendar.js';
import type { SlaMetric } from '../contracts/sla.js';
import type { CasePriority, Channel } from '../contracts/vocabulary.js';
import { builtInPolicy, computeClocks, pausesFromStatusHistory, selectPolicy, type SlaPolicy } from './policy.js';

/** A wake-up call: at `at`, look at the case's clock (warning or due) or its reminder. */
export interface SlaTimer {
  caseId: number;
  kind: 'warn' | 'due' | 'reminder';
  metric: SlaMetric | null;
  at: Date;
}

/** The case row as the recomputation reads it (locked), with its customer's tier. */
export interface SlaCaseRow {
  id: number;
  status: string;
  priority: CasePriority;
  channel: Channel;
  queue_id: number | null;
  type: string;
  tier: string;
  created_at: Date;
  first_response_at: Date | null;
  solved_at: Date | null;
  closed_at: Date | null;
  pending_until: Date | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
}

/** A stored clock row as read with the facts (json_agg: timestamps are JSON strings). */
export interface StoredClock {
  metric: SlaMetric;
  started_at: string;
  warn_at: string | null;
  due_at: string | null;
  warned_at: string | null;
  breached_at: string | null;
  met_at: string | null;
}

/** What the case's messages, status history and stored clocks say, read after the case was locked. */
export interface SlaCaseFacts {
  /** the latest agent reply */
  last_out: Date | null;
  /** the first customer message after it */
  awaiting: Date | null;
  history: { type: string; to: string | null; at: string }[];
  clocks: StoredClock[];
}

/** One clock row as it is upserted (the earlier cycle's warned/breached/met times pass through as read). */
export interface ClockWrite {
  metric: SlaMetric;
  target_minutes: number;
  started_at: Date;
  warn_at: Date | null;
  due_at: Date | null;
  paused: boolean;
  warned_at: string | null;
  breached_at: string | null;
  met_at: Date | string | null;
}

export interface SlaCasePlan {
  caseId: number;
  policy: SlaPolicy;
  /** every clock the policy has now */
  upserts: ClockWrite[];
  /** next-response cycles the agent's reply ended */
  met: { metric: SlaMetric; at: Date }[];
  /** clocks the policy no longer has */
  dropped: SlaMetric[];
  /** the case row's due times, only when they moved */
  dueTimes: { firstResponse: Date | null; resolution: Date | null } | null;
  timers: SlaTimer[];
}

/** The policy that governs the case now: the first admin policy that matches, else the built-in one. */
export function policyForCase(policies: SlaPolicy[], c: SlaCaseRow): SlaPolicy {
  return selectPolicy(policies, { queueId: c.queue_id, channel: c.channel, priority: c.priority, tier: c.tier, type: c.type }) ?? builtInPolicy(c.channel, c.priority);
}

/**
 * The case's clocks under `policy` (`calendar`: its queue's, used when the policy counts business time)
 * and what that changes: rows to write, cycles met, clocks dropped, the case's due times, the timers.
 */
export function planCaseSla(c: SlaCaseRow, policy: SlaPolicy, calendar: BusinessCalendar | null, f: SlaCaseFacts): SlaCasePlan {
  const caseId = Number(c.id);
  const history = f.history.map((h) => ({
    to: h.type === 'reopened' ? 'open' : h.type === 'solved' || h.type === 'closed' ? h.type : (h.to ?? ''),
    at: new Date(h.at),
  }));
  const resolved = c.status === 'solved' || c.status === 'closed';
  const clocks = computeClocks(policy, policy.businessTime ? calendar : null, {
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
  // the clocks as they are now (timestamps as JSON strings), read with the facts
  const existing = new Map(f.clocks.map((x) => [x.metric, x]));
  // what each clock row holds once written: its timers are read from here, not read back
  const rows: { metric: SlaMetric; warnAt: Date | null; dueAt: Date | null; warnedAt: unknown; breachedAt: unknown; metAt: unknown }[] = [];
  const upserts = clocks.map((k): ClockWrite => {
    const old = existing.get(k.metric);
    existing.delete(k.metric);
    // a new cycle (a later customer message for next response) forgets what happened to the last one
    const sameCycle = old !== undefined && new Date(old.started_at).getTime() === k.startedAt.getTime();
    const row: ClockWrite = {
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
  const met: SlaCasePlan['met'] = [];
  const dropped: SlaMetric[] = [];
  for (const [metric, old] of existing) {
    if (metric === 'next_response' && !old.met_at && f.last_out && new Date(f.last_out) > new Date(old.started_at)) {
      // the agent answered: this cycle is over (kept for the report until the next one starts)
      met.push({ metric, at: f.last_out });
    } else if (!old.met_at && !old.breached_at && metric !== 'next_response') {
      // the case's policy no longer has this target
      dropped.push(metric);
    } else {
      // kept as it is (a breached clock, or a next-response cycle still open)
      rows.push({ metric, warnAt: old.warn_at ? new Date(old.warn_at) : null, dueAt: old.due_at ? new Date(old.due_at) : null, warnedAt: old.warned_at, breachedAt: old.breached_at, metAt: old.met_at });
    }
  }
  const due = (m: SlaMetric) => clocks.find((k) => k.metric === m)?.dueAt ?? null;
  // the case row only when its due times moved: most changes (an accept, a solve) leave them, and a case row
  // write touches every index of the busiest table
  const same = (a: Date | string | null, b: Date | null) => (a == null ? null : new Date(a).getTime()) === (b?.getTime() ?? null);
  const moved = !same(c.first_response_due_at, due('first_response')) || !same(c.resolution_due_at, due('resolution'));

  const timers: SlaTimer[] = [];
  for (const k of rows) {
    // a clock still running: not met, not breached, with a due time
    if (k.metAt || k.breachedAt || !k.dueAt) continue;
    if (!k.warnedAt && k.warnAt) timers.push({ caseId, kind: 'warn', metric: k.metric, at: k.warnAt });
    timers.push({ caseId, kind: 'due', metric: k.metric, at: k.dueAt });
  }
  if (c.status === 'pending' && c.pending_until) timers.push({ caseId, kind: 'reminder', metric: null, at: c.pending_until });
  return {
    caseId,
    policy,
    upserts,
    met,
    dropped,
    dueTimes: moved ? { firstResponse: due('first_response'), resolution: due('resolution') } : null,
    timers,
  };
}
