import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';

/** A report's window and filters. Every filter is optional; the window is [from, to). */
export interface ReportFilter {
  from: Date;
  to: Date;
  queueId?: number;
  channel?: Channel;
  /** the agent who handled the case (latest to accept or be assigned it) */
  agentId?: number;
  caseType?: string;
  tag?: string;
  /** the case's disposition (wrap-up code) */
  dispositionId?: number;
}

/**
 * The filter as SQL over `cases c` joined with `case_facts f` (possibly NULL: a case with no routing events),
 * with its parameters appended to `params`. Parameters, not text: the values come from the query string.
 */
export function filterSql(f: ReportFilter, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts: string[] = [];
  if (f.queueId !== undefined) parts.push(`c.queue_id = ${p(f.queueId)}`);
  if (f.channel !== undefined) parts.push(`c.channel = ${p(f.channel)}`);
  if (f.caseType !== undefined) parts.push(`c.type = ${p(f.caseType)}`);
  if (f.tag !== undefined) parts.push(`c.tags @> ARRAY[${p(f.tag)}]::text[]`);
  if (f.dispositionId !== undefined) parts.push(`c.disposition_id = ${p(f.dispositionId)}`);
  if (f.agentId !== undefined) parts.push(`coalesce(f.handler_id, c.assignee_id) = ${p(f.agentId)}`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** The organisation's time zone: day and hour buckets are the organisation's days and hours. */
export async function organisationTimeZone(db: Queryable): Promise<string> {
  const r = await db.query(`SELECT time_zone FROM organisation_settings LIMIT 1`);
  return r.rows[0]?.time_zone ?? 'UTC';
}

/**
 * Runs report queries on one connection with JIT off and more sort memory: JIT compiles each of these plans anew (~0.5 s
 * measured on the KPI summary, issue 16) to save less than that on queries that read rollups.
 * SET LOCAL inside a transaction, so the setting never leaks to the next user of the connection.
 */
export async function withReportConnection<T>(db: Queryable, fn: (c: Queryable) => Promise<T>): Promise<T> {
  // a connection the caller holds may be inside its transaction: it is the caller's to configure
  if (!('totalCount' in db)) return fn(db);
  await reportSlot();
  try {
    return await onReportConnection(db as pg.Pool, fn);
  } finally {
    releaseReportSlot();
  }
}

/**
 * Report statements running at once in this process. A reports page asks for ten figures together; the main
 * pool (DB_POOL_MAIN, 10) also serves the agents' workspace, which must not wait behind a supervisor's reports.
 */
export const MAX_REPORT_CONNECTIONS = 3;
let busy = 0;
const waiting: (() => void)[] = [];
function reportSlot(): Promise<void> {
  if (busy < MAX_REPORT_CONNECTIONS) {
    busy++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}
function releaseReportSlot(): void {
  const next = waiting.shift();
  // the slot passes straight to the next waiter
  if (next) next();
  else busy--;
}

async function onReportConnection<T>(pool: pg.Pool, fn: (c: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL jit = off');
    // a month of cases grouped by day and channel sorts ~100,000 rows: in memory, not in temporary files
    await client.query(`SET LOCAL work_mem = '64MB'`);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (e: Error) => e,
    );
    throw err;
  } finally {
    client.release(broken);
  }
}
