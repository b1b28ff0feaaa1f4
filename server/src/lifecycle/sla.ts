/**
 * What SLA timers and reminders do to a case, as lifecycle transitions:
 * - `fireSlaTimer` warning: the clock reached its policy's share (default 80 %): `sla_warning`, a
 *   waiting case's routing priority raised, the assignee and supervisors told.
 * - `fireSlaTimer` due: `sla_breach`, the case marked breached, the policy's escalation (priority one
 *   step up, to another queue or to the queue's team lead), assignee and supervisors told. Waiting
 *   and assigned cases alike.
 * - `fireReminder`: a pending case whose date came is open again, its assignee told (or it is queued
 *   when nobody holds it); "My cases" lists it first (`reminder_fired_at`).
 * Each checks Postgres under the case lock, so a stale, early or repeated wake-up does nothing.
 * `recordCaseAlert` is the one writer of `sla_warning` / `sla_breach` / `reminder_due` case events.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent } from '../db/case-events.js';
import type { CaseAlertKind, SlaMetric } from '../contracts/sla.js';
import type { CasePriority } from '../contracts/vocabulary.js';
import { computeRoutingPriority } from '../routing/priority.js';
import { policyOf } from '../sla/clocks.js';
import { raisedPriority } from '../sla/policy.js';
import type { RoutingDeps } from './deps.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { lockCase } from './assignment.js';
import { applyTransition } from './status.js';
import { queueInTx } from './queue.js';
import { transferInTx } from './transfer.js';

export interface CaseAlertInput {
  caseId: number;
  kind: CaseAlertKind;
  metric: SlaMetric | null;
  dueAt: Date | null;
  at: Date;
  /** supervisors (and admins) are told too */
  supervisors: boolean;
  data?: Record<string, unknown>;
}

/**
 * Writes the alert's case event (`sla_warning`, `sla_breach` or `reminder_due`) and leaves the
 * `case:alert` and a bell notice to the assignee (and supervisors) for after commit. Everything that reacts to these
 * events can start from here.
 */
export async function recordCaseAlert(tx: Tx, fx: Effects, a: CaseAlertInput): Promise<void> {
  const c = (await tx.query(`SELECT number, subject, assignee_id FROM cases WHERE id = $1`, [a.caseId])).rows[0];
  if (!c) return;
  await writeCaseEvent(tx, {
    caseId: a.caseId,
    type: a.kind,
    agentId: c.assignee_id,
    data: { metric: a.metric, dueAt: a.dueAt?.toISOString() ?? null, at: a.at.toISOString(), ...a.data },
  });
  const agentIds: number[] = c.assignee_id ? [Number(c.assignee_id)] : [];
  if (a.supervisors) {
    const sup = await tx.query(`SELECT id FROM agents WHERE role IN ('supervisor', 'admin') AND active`);
    agentIds.push(...sup.rows.map((r) => Number(r.id)));
  }
  fx.alerts.push({
    payload: { kind: a.kind, caseId: a.caseId, number: Number(c.number), subject: c.subject, metric: a.metric, dueAt: a.dueAt?.toISOString() ?? null, at: a.at.toISOString() },
    agentIds,
  });
  fx.caseUpdates.push({ caseId: a.caseId, event: a.kind, agentIds: c.assignee_id ? [Number(c.assignee_id)] : [] });
  // and a line in each one's bell (stored, so it is there after a reload; each agent's preferences apply)
  fx.notices.push({
    kind: a.kind,
    to: { agentIds: c.assignee_id ? [Number(c.assignee_id)] : [], supervisors: a.supervisors },
    caseId: a.caseId,
    data: { metric: a.metric, dueAt: a.dueAt?.toISOString() ?? null },
  });
}

export type TimerOutcome = 'fired' | 'not-due' | 'stale';

/** Recomputes a waiting case's routing priority (the SLA warning raise is part of it) and re-queues it. */
async function reprioritiseInTx(tx: Tx, caseId: number, reason: string, fx: Effects): Promise<void> {
  const c = (await tx.query(`SELECT routing_state, routing_priority FROM cases WHERE id = $1`, [caseId])).rows[0];
  if (!c || !['waiting', 'offered'].includes(c.routing_state)) return;
  const priority = await computeRoutingPriority(tx, caseId);
  if (priority === c.routing_priority) return;
  await tx.query(`UPDATE cases SET routing_priority = $2 WHERE id = $1`, [caseId, priority]);
  await writeCaseEvent(tx, { caseId, type: 'priority_changed', data: { reason, routing: true, from: c.routing_priority, to: priority } });
  fx.reprioritised.push(caseId);
}

/** A warning or due timer of one clock woke up at `now`. */
export async function fireSlaTimer(deps: RoutingDeps, t: { caseId: number; kind: 'warn' | 'due'; metric: SlaMetric }, now: Date): Promise<TimerOutcome> {
  const fx = noEffects();
  const outcome = await withEffectsTx(deps.db, fx, async (tx): Promise<TimerOutcome> => {
    const c = await lockCase(tx, t.caseId);
    if (!c) return 'stale';
    const k = (await tx.query(`SELECT * FROM case_sla_clocks WHERE case_id = $1 AND metric = $2`, [t.caseId, t.metric])).rows[0];
    if (!k || k.met_at || k.breached_at || c.status === 'solved' || c.status === 'closed') return 'stale';
    if (t.kind === 'warn') {
      if (k.warned_at) return 'stale';
      if (!k.warn_at || new Date(k.warn_at) > now) return 'not-due';
      await tx.query(`UPDATE case_sla_clocks SET warned_at = $3, updated_at = now() WHERE case_id = $1 AND metric = $2`, [t.caseId, t.metric, now]);
      await recordCaseAlert(tx, fx, { caseId: t.caseId, kind: 'sla_warning', metric: t.metric, dueAt: k.due_at, at: now, supervisors: true });
      await reprioritiseInTx(tx, t.caseId, 'sla_warning', fx);
      return 'fired';
    }
    if (!k.due_at || new Date(k.due_at) > now) return 'not-due';
    await tx.query(`UPDATE case_sla_clocks SET breached_at = $3, warned_at = COALESCE(warned_at, $3), updated_at = now() WHERE case_id = $1 AND metric = $2`, [t.caseId, t.metric, now]);
    await tx.query(`UPDATE cases SET sla_breached_at = COALESCE(sla_breached_at, $2) WHERE id = $1`, [t.caseId, now]);
    const full = (await tx.query(`SELECT priority, channel, queue_id, assignee_id FROM cases WHERE id = $1`, [t.caseId])).rows[0];
    const policy = await policyOf(tx, k.policy_id, full);
    const esc = policy.escalation;
    const done: Record<string, unknown> = {};
    if (esc.raisePriority) {
      const to = raisedPriority(full.priority as CasePriority);
      if (to !== full.priority) {
        await tx.query(`UPDATE cases SET priority = $2, updated_at = now() WHERE id = $1`, [t.caseId, to]);
        await writeCaseEvent(tx, { caseId: t.caseId, type: 'priority_changed', data: { reason: 'sla_breach', from: full.priority, to } });
        done.priority = to;
      }
    }
    await recordCaseAlert(tx, fx, { caseId: t.caseId, kind: 'sla_breach', metric: t.metric, dueAt: k.due_at, at: now, supervisors: esc.notifySupervisors !== false, data: { policyId: policy.id } });
    // who should have it now: the policy's queue, else the queue's team lead
    if (esc.toQueueId && esc.toQueueId !== Number(full.queue_id)) {
      await transferInTx(tx, { caseId: t.caseId, actorId: null, toQueueId: esc.toQueueId }, fx);
    } else if (esc.toTeamLead && full.queue_id) {
      const lead = (await tx.query(`SELECT lead_agent_id FROM queues WHERE id = $1`, [full.queue_id])).rows[0]?.lead_agent_id;
      if (lead && Number(lead) !== Number(full.assignee_id)) {
        // a lead without free capacity still gets it: a breached case must reach a person
        await tx.query('SAVEPOINT sla_lead');
        try {
          await transferInTx(tx, { caseId: t.caseId, actorId: null, toAgentId: Number(lead) }, fx);
          await tx.query('RELEASE SAVEPOINT sla_lead');
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT sla_lead');
          deps.log?.warn({ err, caseId: t.caseId, lead }, 'SLA escalation could not give the case to the team lead; supervisors were told');
        }
      }
    }
    await reprioritiseInTx(tx, t.caseId, 'sla_breach', fx);
    return 'fired';
  });
  await applyEffects(deps, fx);
  return outcome;
}

/** A pending case's reminder woke up at `now`: the case is open again (queued if nobody holds it). */
export async function fireReminder(deps: RoutingDeps, caseId: number, now: Date): Promise<TimerOutcome> {
  const fx = noEffects();
  const outcome = await withEffectsTx(deps.db, fx, async (tx): Promise<TimerOutcome> => {
    const c = await lockCase(tx, caseId);
    if (!c || c.status !== 'pending') return 'stale';
    const until = (await tx.query(`SELECT pending_until FROM cases WHERE id = $1`, [caseId])).rows[0]?.pending_until;
    if (!until) return 'stale';
    if (new Date(until) > now) return 'not-due';
    await applyTransition(tx, c, { caseId, status: 'open', agentId: null }, null, fx);
    await tx.query(`UPDATE cases SET reminder_fired_at = $2 WHERE id = $1`, [caseId, now]);
    await recordCaseAlert(tx, fx, { caseId, kind: 'reminder_due', metric: null, dueAt: new Date(until), at: now, supervisors: false });
    if (!c.assignee_id && c.routing_state === 'none') {
      await queueInTx(tx, caseId, 'queued', { after: 'reminder' });
      fx.requeued.push(caseId);
    }
    return 'fired';
  });
  await applyEffects(deps, fx);
  return outcome;
}
