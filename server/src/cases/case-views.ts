/**
 * Case views: the built-in views and saved ones (personal or shared), their counts for the sidebar and
 * the case list each one shows. Every list and count is limited to the cases the caller may read
 * (access/policy.ts caseScope) and built by the one filter translation (case-filter.ts).
 */
import { Value } from 'typebox/value';
import type { Queryable } from '../db/pool.js';
import { badRequest, forbidden, notFound } from '../lib/errors.js';
import { caseScope, isSupervisor, type Actor, type CaseAccessMode } from '../access/policy.js';
import {
  BUILTIN_VIEWS,
  BUILTIN_VIEW_KEYS,
  CaseFilter,
  VIEW_COUNT_CAP,
  type BuiltinViewKey,
  type CaseSort,
  type CaseViewEntry,
  type SavedViewBody,
} from '../contracts/case-views.js';
import { CASE_SELECT, toCaseView, type CaseView } from './case-view.js';
import { caseFilterSql, caseOrderSql } from './case-filter.js';

interface SavedRow {
  id: number;
  name: string;
  owner_agent_id: number;
  shared: boolean;
  filter: unknown;
  sort: CaseSort;
}

/** A stored filter is checked again on the way out: one that no longer fits the schema is left out rather than misread. */
const validFilter = (v: unknown): v is CaseFilter => Value.Check(CaseFilter, v);

const editableBy = (me: Actor, r: SavedRow) => r.owner_agent_id === me.id || (r.shared && isSupervisor(me));

function savedEntry(me: Actor, r: SavedRow, count: number): CaseViewEntry {
  return {
    key: `saved:${r.id}`,
    builtin: false,
    name: r.name,
    id: Number(r.id),
    shared: r.shared,
    ownerAgentId: Number(r.owner_agent_id),
    editable: editableBy(me, r),
    filter: r.filter as CaseFilter,
    sort: r.sort,
    count,
  };
}

async function savedViewsOf(db: Queryable, me: Actor): Promise<SavedRow[]> {
  const r = await db.query(`SELECT * FROM case_views WHERE owner_agent_id = $1 OR shared ORDER BY shared, lower(name), id`, [me.id]);
  return r.rows.filter((x: SavedRow) => validFilter(x.filter));
}

/** The condition and parameters of one view for one caller: its filter and the caller's access scope. */
function viewWhere(me: Actor, mode: CaseAccessMode, filter: CaseFilter, now: Date, params: unknown[]): string {
  const f = caseFilterSql(filter, { viewerId: me.id, now }, params);
  const scope = caseScope(me, mode, 'c', params);
  return scope === 'TRUE' ? f : `${f}\n    AND ${scope}`;
}

const FROM = `FROM cases c JOIN customers cu ON cu.id = c.customer_id`;

/** How many cases a filter shows the caller, up to VIEW_COUNT_CAP. */
export async function countView(db: Queryable, me: Actor, mode: CaseAccessMode, filter: CaseFilter, now = new Date()): Promise<number> {
  const params: unknown[] = [];
  const where = viewWhere(me, mode, filter, now, params);
  const r = await db.query(`SELECT count(*)::int AS n FROM (SELECT 1 ${FROM} WHERE ${where} LIMIT ${VIEW_COUNT_CAP}) x`, params);
  return r.rows[0].n;
}

/** The sidebar: built-in views, then the caller's and the shared saved views, each with its count. */
export async function listViews(db: Queryable, me: Actor, mode: CaseAccessMode): Promise<CaseViewEntry[]> {
  const now = new Date();
  const saved = await savedViewsOf(db, me);
  const filters: CaseFilter[] = [...BUILTIN_VIEW_KEYS.map((k) => BUILTIN_VIEWS[k].filter), ...saved.map((s) => s.filter as CaseFilter)];
  // one round trip: each count is its own capped subquery
  const params: unknown[] = [];
  const cols = filters.map((f, i) => `(SELECT count(*)::int FROM (SELECT 1 ${FROM} WHERE ${viewWhere(me, mode, f, now, params)} LIMIT ${VIEW_COUNT_CAP}) x) AS n${i}`);
  const r = await db.query(`SELECT ${cols.join(',\n')}`, params);
  const counts = filters.map((_, i) => Number(r.rows[0][`n${i}`]));
  const builtins: CaseViewEntry[] = BUILTIN_VIEW_KEYS.map((k, i) => ({
    key: k,
    builtin: true,
    name: null,
    id: null,
    shared: true,
    ownerAgentId: null,
    editable: false,
    filter: BUILTIN_VIEWS[k].filter,
    sort: BUILTIN_VIEWS[k].sort,
    count: counts[i]!,
  }));
  return [...builtins, ...saved.map((s, i) => savedEntry(me, s, counts[BUILTIN_VIEW_KEYS.length + i]!))];
}

/** A view by key ("my_open", "saved:12") as the caller may use it: its filter and default sort. */
export async function resolveView(db: Queryable, me: Actor, key: string): Promise<{ filter: CaseFilter; sort: CaseSort }> {
  if ((BUILTIN_VIEW_KEYS as readonly string[]).includes(key)) return BUILTIN_VIEWS[key as BuiltinViewKey];
  const m = /^saved:(\d{1,15})$/.exec(key);
  if (!m) throw badRequest(`unknown view ${key}`, [{ field: 'key', reason: 'a built-in view or saved:<id>' }]);
  const r = await db.query(`SELECT * FROM case_views WHERE id = $1 AND (owner_agent_id = $2 OR shared)`, [Number(m[1]), me.id]);
  if (!r.rowCount || !validFilter(r.rows[0].filter)) throw notFound('view');
  return { filter: r.rows[0].filter, sort: r.rows[0].sort };
}

/** The cases of a filter the caller may read, in the chosen order, one page. */
export async function queryView(
  db: Queryable,
  me: Actor,
  mode: CaseAccessMode,
  q: { filter: CaseFilter; sort: CaseSort; limit?: number; offset?: number },
): Promise<{ cases: CaseView[]; count: number }> {
  const now = new Date();
  const params: unknown[] = [me.id]; // $1: the viewer, for CASE_SELECT's unread marker
  const where = viewWhere(me, mode, q.filter, now, params);
  params.push(q.limit ?? 50, q.offset ?? 0);
  const r = await db.query(
    `${CASE_SELECT}
      WHERE ${where}
      ORDER BY ${caseOrderSql(q.sort)}
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { cases: r.rows.map(toCaseView), count: await countView(db, me, mode, q.filter, now) };
}

// ---- saved views ----

async function ownedView(db: Queryable, me: Actor, id: number): Promise<SavedRow> {
  const r = await db.query(`SELECT * FROM case_views WHERE id = $1 AND (owner_agent_id = $2 OR shared)`, [id, me.id]);
  // someone else's personal view is as unknown as a missing one
  if (!r.rowCount) throw notFound('view');
  if (!editableBy(me, r.rows[0])) throw forbidden('only a supervisor changes a shared view');
  return r.rows[0];
}

export async function createSavedView(db: Queryable, me: Actor, b: SavedViewBody): Promise<CaseViewEntry> {
  if (b.shared && !isSupervisor(me)) throw forbidden('only a supervisor shares a view with everyone');
  const r = await db.query(`INSERT INTO case_views (name, owner_agent_id, shared, filter, sort) VALUES ($1, $2, $3, $4, $5) RETURNING *`, [
    b.name.trim(),
    me.id,
    b.shared ?? false,
    JSON.stringify(b.filter),
    b.sort ?? 'activity',
  ]);
  return savedEntry(me, r.rows[0], 0);
}

export async function updateSavedView(db: Queryable, me: Actor, id: number, b: Partial<SavedViewBody>): Promise<CaseViewEntry> {
  await ownedView(db, me, id);
  if (b.shared && !isSupervisor(me)) throw forbidden('only a supervisor shares a view with everyone');
  const r = await db.query(
    `UPDATE case_views SET name = COALESCE($2, name), shared = COALESCE($3, shared), filter = COALESCE($4, filter), sort = COALESCE($5, sort), updated_at = now()
      WHERE id = $1 RETURNING *`,
    [id, b.name?.trim() ?? null, b.shared ?? null, b.filter ? JSON.stringify(b.filter) : null, b.sort ?? null],
  );
  return savedEntry(me, r.rows[0], 0);
}

export async function deleteSavedView(db: Queryable, me: Actor, id: number): Promise<void> {
  await ownedView(db, me, id);
  await db.query(`DELETE FROM case_views WHERE id = $1`, [id]);
}
