/**
 * Time-based rules ("N hours since …"), run by a repeatable job on the `automation` queue. The clock of a case
 * starts at a case event (its anchor): creation, the last customer message, the last agent reply or the last
 * status change. The anchor event is the rule's event, so (rule, anchor) runs once; a newer anchor (the customer
 * wrote again) starts the clock again. Postgres alone decides what is due, so nothing is lost with Redis.
 */
import type { TimeAnchor } from '../contracts/automation.js';
import { enabledRules, type Rule } from './rules.js';
import { runRulesOn, type AutomationDeps } from './engine.js';

const ANCHOR: Record<TimeAnchor, string> = {
  created: `e.type = 'created'`,
  // the first message of a case has no interaction event: creation counts as the customer's first message
  customer_reply: `(e.type = 'created' OR (e.type = 'interaction' AND EXISTS (SELECT 1 FROM interactions i WHERE i.id = (e.data->>'interactionId')::bigint AND i.direction = 'inbound')))`,
  agent_reply: `(e.type = 'interaction' AND e.data->>'direction' = 'outbound')`,
  status: `e.type IN ('created', 'status_changed', 'reopened', 'solved', 'closed')`,
};

/** The cases due for one time rule now: its anchor is at least `hours` old and the rule has not run on it. */
async function dueCases(deps: AutomationDeps, rule: Rule & { trigger: { on: 'time' } }, now: Date, limit: number) {
  const statuses = rule.conditions.statuses?.length ? rule.conditions.statuses : null;
  const r = await deps.db.query(
    `SELECT c.id::int AS case_id, a.id::int AS id, a.type, a.agent_id, a.data, a.created_at
       FROM cases c
       CROSS JOIN LATERAL (SELECT e.id, e.type, e.agent_id, e.data, e.created_at FROM case_events e
                            WHERE e.case_id = c.id AND ${ANCHOR[rule.trigger.since]} ORDER BY e.id DESC LIMIT 1) a
      WHERE (c.status = ANY($1::text[]) OR ($1::text[] IS NULL AND c.status <> 'closed'))
        AND c.merged_into_id IS NULL
        AND a.created_at <= $2::timestamptz - make_interval(secs => $3::float * 3600)
        AND NOT EXISTS (SELECT 1 FROM automation_runs x WHERE x.rule_id = $4 AND x.event_id = a.id AND x.status = 'done')
      ORDER BY a.created_at LIMIT $5`,
    [statuses, now, rule.trigger.hours, rule.id, limit],
  );
  return r.rows;
}

/** One pass over every enabled time rule; returns how many (rule, case) pairs were looked at. */
export async function runTimeRules(deps: AutomationDeps, now = new Date(), limit = 200): Promise<number> {
  const rules = (await enabledRules(deps.db)).filter((r): r is Rule & { trigger: { on: 'time' } } => r.trigger.on === 'time');
  let seen = 0;
  for (const rule of rules) {
    for (const ev of await dueCases(deps, rule, now, limit)) {
      seen++;
      try {
        await runRulesOn(deps, { ...ev, case_id: ev.case_id }, 'time', [rule], rule.id);
      } catch (err) {
        deps.log.warn({ err, ruleId: rule.id, caseId: ev.case_id }, 'automation: a time rule failed on a case; the next sweep tries again');
      }
    }
  }
  return seen;
}
