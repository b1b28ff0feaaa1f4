/**
 * The automation worker's work: case events (written by ingest, lifecycle, replies, the SLA timers) reach
 * `automation_inbox` through a trigger (migration 1221); `processInbox` leases a batch, runs the webhooks and the
 * rules on each event and deletes it. Nothing here runs inside the transaction that wrote the event.
 *
 * At least once, idempotent per (rule, event): a rule that matched records a run row before it acts; an event
 * seen again (a crashed worker's lease ran out) skips the rules whose run is done and redoes only a run left
 * half-way. A rule never runs on events its own actions caused, nor on the end of a longer chain of rules.
 */
import type { CaseEventCause } from '../db/case-events.js';
import type { RuleEvent } from '../contracts/automation.js';
import type { Log } from '../lib/log.js';
import { failedConditions } from './conditions.js';
import { enabledRules, type Rule } from './rules.js';
import { fanOutWebhooks, type CaseEventRow } from './webhooks.js';
import { loadSnapshot, runRule, type AutomationDeps } from './actions.js';
import { isOpen } from '../channels/twilio/numbers.js';
import { openingHoursFor } from '../business-hours/opening-hours.js';
import { startDrainLoop } from '../lib/drain-loop.js';

export type { AutomationDeps } from './actions.js';

/** Rules caused by rules caused by rules …: past this length nothing more runs (two rules cannot ping-pong). */
export const MAX_RULE_CHAIN = 3;

interface InboxEvent extends CaseEventRow {
  direction: string | null;
  first_inbound: boolean;
}

/** The rule event a case event is, if any. */
export function ruleEventOf(ev: InboxEvent): RuleEvent | null {
  switch (ev.type) {
    case 'created':
      return 'case_created';
    case 'interaction':
      if (ev.direction === 'inbound') return ev.first_inbound ? null : 'customer_replied';
      return ev.direction === 'outbound' ? 'agent_replied' : null;
    case 'status_changed':
      return 'status_changed';
    // the customer reopening a solved case writes only `reopened` (an agent's reopen writes status_changed too)
    case 'reopened':
      return ev.data.by === 'customer' ? 'status_changed' : null;
    case 'assigned':
      return 'assigned';
    case 'sla_warning':
    case 'sla_breach':
    case 'reminder_due':
      return ev.type;
    default:
      return null;
  }
}

/** Leases up to `limit` inbox events, handles them in order and removes them. Returns how many were handled. */
export async function processInbox(deps: AutomationDeps, limit = 100): Promise<number> {
  const claimed = await deps.db.query(
    `UPDATE automation_inbox SET claimed_until = now() + interval '2 minutes'
      WHERE event_id IN (SELECT event_id FROM automation_inbox WHERE claimed_until IS NULL OR claimed_until < now()
                          ORDER BY event_id LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING event_id`,
    [limit],
  );
  if (!claimed.rowCount) return 0;
  const ids = claimed.rows.map((r) => r.event_id);
  const events = await deps.db.query(
    `SELECT e.id::int, e.case_id::int, e.type, e.agent_id, e.data, e.created_at, i.direction,
            (i.direction = 'inbound' AND NOT EXISTS (SELECT 1 FROM interactions p WHERE p.case_id = i.case_id AND p.direction = 'inbound' AND p.id < i.id)) AS first_inbound
       FROM case_events e
       LEFT JOIN interactions i ON e.type = 'interaction' AND i.id = (e.data->>'interactionId')::bigint
      WHERE e.id = ANY($1) ORDER BY e.id`,
    [ids],
  );
  let rules: Rule[] | null = null;
  for (const ev of events.rows as InboxEvent[]) {
    try {
      await fanOutWebhooks(deps.db, deps.queues.webhooks, ev, deps.log);
      const on = ruleEventOf(ev);
      if (on) {
        rules ??= await enabledRules(deps.db);
        await runRulesOn(deps, ev, on, rules);
      }
      await deps.db.query(`DELETE FROM automation_inbox WHERE event_id = $1`, [ev.id]);
    } catch (err) {
      // left in the inbox: its lease runs out and it is tried again (the runs already done are not repeated)
      deps.log.warn({ err, eventId: ev.id }, 'automation: handling a case event failed; it will be retried');
    }
  }
  // events whose row is gone (cannot happen while case_events are never deleted) must not stay leased for ever
  await deps.db.query(`DELETE FROM automation_inbox WHERE event_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.id = event_id)`, [ids]);
  return ids.length;
}

/** The rules on one event, in order; `stopProcessing` ends the list once a rule matched. */
export async function runRulesOn(deps: AutomationDeps, ev: CaseEventRow, on: RuleEvent | 'time', rules: Rule[], onlyRule?: number): Promise<void> {
  // a time rule looks at a case once, when its clock runs out: a case its conditions do not fit is marked done
  // too, so it is not looked at again every sweep (a newer anchor starts a new clock)
  const recordMiss = on === 'time';
  const cause = (ev.data as Partial<CaseEventCause>).automation;
  const chain = cause?.chain ?? [];
  if (chain.length >= MAX_RULE_CHAIN) {
    deps.log.info({ eventId: ev.id, chain }, 'automation: rule chain too long; no rule runs on this event');
    return;
  }
  // rules that acted on this event: a later rule's changes count as following theirs too
  const ranHere: number[] = [];
  for (const rule of rules) {
    if (onlyRule != null && rule.id !== onlyRule) continue;
    if (rule.trigger.on !== on) continue;
    // a rule's own changes never set it off again, nor do changes further down a chain it started
    if (chain.includes(rule.id)) continue;
    const snap = await loadSnapshot(deps.db, ev.case_id, ev.type === 'interaction' ? (ev.data.interactionId as number | undefined) : undefined);
    if (!snap) return;
    const open = rule.conditions.businessHours ? isOpen(await openingHoursFor(deps.db, snap.queueId)) : true;
    const failed = failedConditions(rule.conditions, snap, open);
    if (failed.length) {
      if (recordMiss) {
        await deps.db.query(
          `INSERT INTO automation_runs (rule_id, event_id, case_id, status, result, finished_at) VALUES ($1, $2, $3, 'done', $4, now()) ON CONFLICT DO NOTHING`,
          [rule.id, ev.id, ev.case_id, JSON.stringify({ skipped: failed })],
        );
      }
      continue;
    }
    const run = await deps.db.query(
      `INSERT INTO automation_runs (rule_id, event_id, case_id) VALUES ($1, $2, $3)
       ON CONFLICT (rule_id, event_id) DO UPDATE SET attempts = automation_runs.attempts + 1, started_at = now()
         WHERE automation_runs.status = 'running'
       RETURNING attempts`,
      [rule.id, ev.id, ev.case_id],
    );
    if (run.rowCount) {
      const log = await runRule(deps, rule, ev.id, snap, [...chain, ...ranHere, rule.id]);
      await deps.db.query(`UPDATE automation_runs SET status = 'done', result = $3, finished_at = now() WHERE rule_id = $1 AND event_id = $2`, [rule.id, ev.id, JSON.stringify(log)]);
    }
    ranHere.push(rule.id);
    if (rule.stopProcessing) return;
  }
}

/** The polling loop of the worker: drains the inbox, then waits `intervalMs`. */
export function startInboxLoop(deps: AutomationDeps, intervalMs: number, log: Log): () => Promise<void> {
  return startDrainLoop({ drain: () => processInbox(deps), intervalMs, log, failure: 'automation: reading the inbox failed; will retry' });
}
