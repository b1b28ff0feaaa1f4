import type pg from 'pg';
import type { Queryable } from './pool.js';

/**
 * Named (server-side prepared) statements for the statements every message runs.
 *
 * An unnamed statement is parsed, analysed and planned by Postgres on every call. For the hot path's
 * larger statements that costs more than running them: `pg_stat_statements` with `track_planning` showed
 * 0.3 ms of planning against 0.04 ms of execution for the session look-up, 0.75 ms against 1.5 ms for a
 * solve, 0.7 ms against 0.07 ms for an offer's case read (parse and analysis come on top and are not
 * counted there). A named statement is parsed once per connection; Postgres then plans it once (a generic
 * plan) or per call where a custom plan is cheaper.
 *
 * The rules, checked when a statement is defined (so a breach fails at start-up and in every test):
 * - one text per name: node-postgres refuses a name prepared on a connection with a different text;
 * - no `*` in what it answers (`RETURNING *`, `SELECT *`, `t.*`): a prepared statement's result columns are
 *   fixed when it is prepared, and a migration that adds a column to a table it reads with `*` would make
 *   Postgres refuse it ("cached plan must not change result type") on every connection of a process that
 *   was running when the migration ran. With explicit columns an added column changes nothing.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

const defined = new Map<string, string>();

/** `*` as a result column: `SELECT *`, `RETURNING *`, `, *`, or a table's `x.*` (`count(*)` is not one). */
const STAR_COLUMNS = /(\bSELECT\s+(DISTINCT\s+)?\*|\bRETURNING\s+\*|,\s*\*(?!\s*\))|\b\w+\.\*)/i;

export function namedStatement(name: string, text: string): NamedStatement {
  const before = defined.get(name);
  if (before !== undefined && before !== text) throw new Error(`named statement "${name}" is defined twice with different texts`);
  if (STAR_COLUMNS.test(text)) throw new Error(`named statement "${name}" answers "*": list its columns (a migration adding a column would break it on running processes)`);
  defined.set(name, text);
  return { name, text };
}

/** Runs a named statement with its parameters; rows are untyped unless `R` is given, as with `query`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function runNamed<R extends pg.QueryResultRow = any>(db: Queryable, s: NamedStatement, values: unknown[]): Promise<pg.QueryResult<R>> {
  return db.query<R>({ name: s.name, text: s.text, values });
}
