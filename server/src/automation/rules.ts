import type { Queryable } from '../db/pool.js';
import type { RuleAction, RuleConditions, RuleTrigger, RuleView } from '../contracts/automation.js';

/** A rule as the engine uses it. */
export interface Rule {
  id: number;
  name: string;
  position: number;
  enabled: boolean;
  trigger: RuleTrigger;
  conditions: RuleConditions;
  actions: RuleAction[];
  stopProcessing: boolean;
  exampleKey: string | null;
  updatedAt: string;
}

export const RULE_COLUMNS = `id, name, position, enabled, trigger, conditions, actions, stop_processing, example_key, updated_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toRule(r: any): Rule {
  return {
    id: Number(r.id),
    name: r.name,
    position: r.position,
    enabled: r.enabled,
    trigger: r.trigger,
    conditions: r.conditions ?? {},
    actions: r.actions ?? [],
    stopProcessing: r.stop_processing,
    exampleKey: r.example_key,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The enabled rules in evaluation order (position, then id). */
export async function enabledRules(db: Queryable): Promise<Rule[]> {
  const r = await db.query(`SELECT ${RULE_COLUMNS} FROM automation_rules WHERE enabled ORDER BY position, id`);
  return r.rows.map(toRule);
}

/** Every rule for the admin list, with how many cases each has run on. */
export async function listRules(db: Queryable): Promise<RuleView[]> {
  const r = await db.query(
    `SELECT ${RULE_COLUMNS}, (SELECT count(*) FROM automation_runs x WHERE x.rule_id = r.id AND (x.result IS NULL OR NOT x.result ? 'skipped'))::int AS runs
       FROM automation_rules r ORDER BY position, id`,
  );
  return r.rows.map((row) => ({ ...toRule(row), runs: row.runs }));
}

export async function ruleView(db: Queryable, id: number): Promise<RuleView | null> {
  const r = await db.query(`SELECT ${RULE_COLUMNS}, (SELECT count(*) FROM automation_runs x WHERE x.rule_id = r.id AND (x.result IS NULL OR NOT x.result ? 'skipped'))::int AS runs FROM automation_rules r WHERE id = $1`, [id]);
  return r.rowCount ? { ...toRule(r.rows[0]), runs: r.rows[0].runs } : null;
}
