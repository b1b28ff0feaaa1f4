/**
 * Who on the staff may do what: the one place that answers it. HTTP routes reach it through the
 * rule table in access/routes.ts (enforced by plugins/access.ts); sockets call it before joining a case room.
 *
 * - admins: everything.
 * - supervisors: everything except admin settings (mailboxes, numbers, API keys, queue set-up, the audit log)
 *   and admins' accounts.
 * - agents: read the cases of queues they belong to, cases assigned to them and cases they are mentioned on
 *   (AGENT_CASE_ACCESS=all: every case); change status, priority or assignment only on the cases they hold.
 *   Customers: those with a case the agent may read. Merging customers and publishing knowledge-base articles
 *   need a supervisor.
 *
 * A case or customer the agent may not read answers 404, exactly as if it did not exist, so ids and numbers
 * cannot be probed; a case the agent may read but not change answers 403 with the reason.
 */
import type { Queryable } from '../db/pool.js';
import type { AgentRole } from '../contracts/vocabulary.js';
import { HttpError } from '../lib/errors.js';
import { namedStatement, runNamed } from '../db/named.js';

export interface Actor {
  id: number;
  role: AgentRole;
}

export type CaseAccessMode = 'queues' | 'all';
export type CaseNeed = 'read' | 'change';

export const isSupervisor = (a: Actor) => a.role === 'supervisor' || a.role === 'admin';
export const isAdmin = (a: Actor) => a.role === 'admin';

/** Role ranks for "at least" checks. */
const RANK: Record<AgentRole, number> = { agent: 1, supervisor: 2, admin: 3 };
export const hasRole = (a: Actor, atLeast: AgentRole) => RANK[a.role] >= RANK[atLeast];

/**
 * SQL condition: the case row `alias` is readable by the agent whose id is the bind parameter `agentParam`.
 * Supervisors and admins (and agents when mode is 'all') should not use it: they read every case.
 */
export function agentCaseReadableSql(alias: string, agentParam: string): string {
  return `(${alias}.assignee_id = ${agentParam}
    OR EXISTS (SELECT 1 FROM queue_members qm WHERE qm.queue_id = ${alias}.queue_id AND qm.agent_id = ${agentParam})
    OR EXISTS (SELECT 1 FROM notifications mn WHERE mn.case_id = ${alias}.id AND mn.agent_id = ${agentParam} AND mn.kind = 'mention'))`;
}

/** Whether the actor reads every case (no per-case filter needed). */
export const readsAllCases = (a: Actor, mode: CaseAccessMode) => isSupervisor(a) || mode === 'all';

/**
 * A SQL condition limiting case rows (`alias`) to those the actor may read, with its parameters appended
 * after `params` (the condition's placeholders are numbered from params.length + 1).
 */
export function caseScope(a: Actor, mode: CaseAccessMode, alias: string, params: unknown[]): string {
  if (readsAllCases(a, mode)) return 'TRUE';
  params.push(a.id);
  return agentCaseReadableSql(alias, `$${params.length}`);
}

export type Verdict = { ok: true } | { ok: false; status: 403 | 404; message: string };
const allow: Verdict = { ok: true };
const hidden = (what: string): Verdict => ({ ok: false, status: 404, message: `${what} not found` });
const refused = (message: string): Verdict => ({ ok: false, status: 403, message });

/** For routes that check more than their rule could (a body field, a second case): throw the refusal. */
export function enforceVerdict(v: Verdict): void {
  if (!v.ok) throw new HttpError(v.status, v.message);
}

// every request on a case runs one of these: named (db/named.ts), as planning cost ten times the read
const CASE_ACCESS_ALL = namedStatement('access-case-all', `SELECT c.assignee_id, TRUE AS readable FROM cases c WHERE c.id = $1`);
const CASE_ACCESS_AGENT = namedStatement('access-case-agent', `SELECT c.assignee_id, ${agentCaseReadableSql('c', '$2')} AS readable FROM cases c WHERE c.id = $1`);

/** Read or change one case. An unknown case and an unreadable one answer the same 404. */
export async function checkCase(db: Queryable, a: Actor, mode: CaseAccessMode, caseId: number, need: CaseNeed): Promise<Verdict> {
  const r = readsAllCases(a, mode) ? await runNamed(db, CASE_ACCESS_ALL, [caseId]) : await runNamed(db, CASE_ACCESS_AGENT, [caseId, a.id]);
  const row = r.rows[0];
  if (!row || !row.readable) return hidden('case');
  if (need === 'change' && !isSupervisor(a) && row.assignee_id !== a.id) {
    return refused('only the agent holding the case or a supervisor can change its status, priority or assignment');
  }
  return allow;
}

/** A customer is readable when the actor may read one of the customer's cases (or reads all cases). */
export async function checkCustomer(db: Queryable, a: Actor, mode: CaseAccessMode, customerId: number): Promise<Verdict> {
  const params: unknown[] = [customerId];
  const scope = caseScope(a, mode, 'c', params);
  const r = await db.query(
    `SELECT (SELECT true FROM cases c WHERE c.customer_id = cu.id AND ${scope} LIMIT 1) AS readable, ${readsAllCases(a, mode) ? 'true' : 'false'} AS all
       FROM customers cu WHERE cu.id = $1`,
    params,
  );
  const row = r.rows[0];
  if (!row || !(row.all || row.readable)) return hidden('customer');
  return allow;
}

/** A call (and its recordings) goes with its case; a callback call also with the case it called back for. */
export async function checkCall(db: Queryable, a: Actor, mode: CaseAccessMode, callId: number): Promise<Verdict> {
  const r = await db.query(`SELECT case_id, callback_case_id FROM calls WHERE id = $1`, [callId]);
  if (!r.rowCount) return hidden('call');
  for (const caseId of [r.rows[0].case_id, r.rows[0].callback_case_id].filter(Boolean)) {
    if ((await checkCase(db, a, mode, caseId, 'read')).ok) return allow;
  }
  return hidden('call');
}

export async function checkRecording(db: Queryable, a: Actor, mode: CaseAccessMode, recordingSid: string): Promise<Verdict> {
  const r = await db.query(`SELECT call_id FROM call_recordings WHERE recording_sid = $1`, [recordingSid]);
  if (!r.rowCount) return hidden('recording');
  const v = await checkCall(db, a, mode, r.rows[0].call_id);
  return v.ok ? v : hidden('recording');
}

/** Fields of a case that only the holder or a supervisor may change (status and assignment have their own routes). */
export const HOLDER_ONLY_CASE_FIELDS = ['priority'] as const;

/** Publishing (or editing what is already published) is for supervisors; agents write drafts. */
export function checkKbWrite(a: Actor, change: { published?: boolean }, current?: { published: boolean }): Verdict {
  if (isSupervisor(a)) return allow;
  if (change.published === true) return refused('publishing a knowledge-base article needs a supervisor');
  if (current?.published) return refused('a published article is changed by a supervisor; ask one or unpublish it first');
  return allow;
}

/** Admins manage every account; supervisors manage agents' and supervisors' accounts but not admins'. */
export function checkAccountEdit(a: Actor, target: { role: AgentRole }): Verdict {
  if (isAdmin(a)) return allow;
  if (isSupervisor(a) && target.role !== 'admin') return allow;
  return refused("only an admin changes an admin's account");
}

/** Queue ids an actor sees in queue lists and the waiting list: members their queues, supervisors every queue. */
export async function visibleQueueIds(db: Queryable, a: Actor): Promise<number[] | 'all'> {
  if (isSupervisor(a)) return 'all';
  const r = await db.query(`SELECT queue_id FROM queue_members WHERE agent_id = $1`, [a.id]);
  return r.rows.map((x) => Number(x.queue_id));
}
