/**
 * Macros: a named set of case actions plus a reply template per language, run on one case or on a
 * selection. Shared macros (no owner) are kept by supervisors; anyone keeps personal ones. Running one
 * applies its actions through lifecycle/case-actions.ts (one transaction, one audit entry per case), then
 * sends the reply in the customer's language as the agent (the actions stand if the reply is refused).
 */
import { Value } from 'typebox/value';
import { Type } from 'typebox';
import type { Queryable } from '../db/pool.js';
import { forbidden, HttpError, notFound } from '../lib/errors.js';
import { isSupervisor, type Actor } from '../access/policy.js';
import { MacroAction, type Macro, type MacroBody, type MacroReply } from '../contracts/case-views.js';
import { applyCaseActions } from '../lifecycle/case-actions.js';
import type { RoutingDeps } from '../lifecycle/deps.js';
import { createReply, type ReplyDeps } from './reply.js';

const Actions = Type.Array(MacroAction);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toMacro(me: Actor, r: any): Macro {
  return {
    id: Number(r.id),
    name: r.name,
    shared: r.owner_agent_id == null,
    ownerAgentId: r.owner_agent_id == null ? null : Number(r.owner_agent_id),
    editable: r.owner_agent_id == null ? isSupervisor(me) : Number(r.owner_agent_id) === me.id,
    // a stored action list that no longer fits the schema runs nothing rather than something misread
    actions: Value.Check(Actions, r.actions) ? r.actions : [],
    reply: r.reply ?? {},
    replyInternal: r.reply_internal,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export async function listMacros(db: Queryable, me: Actor): Promise<Macro[]> {
  const r = await db.query(`SELECT * FROM macros WHERE owner_agent_id IS NULL OR owner_agent_id = $1 ORDER BY owner_agent_id NULLS FIRST, lower(name), id`, [me.id]);
  return r.rows.map((x) => toMacro(me, x));
}

/** A macro the caller may run: shared, or their own. Someone else's personal macro is as unknown as a missing one. */
export async function getMacro(db: Queryable, me: Actor, id: number): Promise<Macro> {
  const r = await db.query(`SELECT * FROM macros WHERE id = $1 AND (owner_agent_id IS NULL OR owner_agent_id = $2)`, [id, me.id]);
  if (!r.rowCount) throw notFound('macro');
  return toMacro(me, r.rows[0]);
}

export async function createMacro(db: Queryable, me: Actor, b: MacroBody): Promise<Macro> {
  if (b.shared && !isSupervisor(me)) throw forbidden('only a supervisor shares a macro with everyone');
  const r = await db.query(
    `INSERT INTO macros (name, owner_agent_id, actions, reply, reply_internal, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [b.name.trim(), b.shared ? null : me.id, JSON.stringify(b.actions), JSON.stringify(b.reply ?? {}), b.replyInternal ?? false, me.id],
  );
  return toMacro(me, r.rows[0]);
}

export async function updateMacro(db: Queryable, me: Actor, id: number, b: MacroBody): Promise<Macro> {
  const m = await getMacro(db, me, id);
  if (!m.editable) throw forbidden('only a supervisor changes a shared macro');
  if (b.shared !== undefined && b.shared !== m.shared && !isSupervisor(me)) throw forbidden('only a supervisor shares a macro with everyone');
  const shared = b.shared ?? m.shared;
  const r = await db.query(
    `UPDATE macros SET name = $2, owner_agent_id = $3, actions = $4, reply = $5, reply_internal = $6, updated_at = now() WHERE id = $1 RETURNING *`,
    [id, b.name.trim(), shared ? null : (m.ownerAgentId ?? me.id), JSON.stringify(b.actions), JSON.stringify(b.reply ?? {}), b.replyInternal ?? false],
  );
  return toMacro(me, r.rows[0]);
}

export async function deleteMacro(db: Queryable, me: Actor, id: number): Promise<void> {
  const m = await getMacro(db, me, id);
  if (!m.editable) throw forbidden('only a supervisor deletes a shared macro');
  await db.query(`DELETE FROM macros WHERE id = $1`, [id]);
}

/** The template for a customer's language: Persian for Persian speakers when there is one, else English, else any. */
export function replyFor(reply: MacroReply, language: string | null | undefined): string | null {
  const lang = (language ?? '').toLowerCase().startsWith('fa') ? 'fa' : 'en';
  const pick = reply[lang]?.trim() || reply.en?.trim() || reply.fa?.trim();
  return pick || null;
}

/** {{customer.name}}, {{case.ref}}, {{agent.name}} as the composer fills them (agent-ui/src/lib/placeholders.ts). */
export function fillTemplate(template: string, v: { customerName: string | null; caseRef: string; agentName: string }): string {
  const values: Record<string, string | null> = { 'customer.name': v.customerName, 'case.ref': v.caseRef, 'agent.name': v.agentName };
  return template
    .replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/gi, (whole, key: string) => {
      const x = values[key.toLowerCase()];
      return x == null || x === '' ? (key.toLowerCase() === 'customer.name' ? '' : whole) : x;
    })
    .replace(/ ,/g, ',')
    .replace(/[ \t]{2,}/g, ' ');
}

/** Whether running the macro changes what only the holder or a supervisor may change. */
export const macroNeedsChange = (m: Pick<Macro, 'actions'>) => m.actions.some((a) => a.kind === 'status' || a.kind === 'priority' || a.kind === 'assign' || a.kind === 'queue');

/** Runs a macro on one case: its actions (one audit entry), then its reply. Returns a refused reply's reason, if any. */
export async function runMacro(
  deps: { routing: RoutingDeps; reply: ReplyDeps },
  me: Actor & { name: string },
  caseId: number,
  m: Macro,
): Promise<{ interactionId: number | null; replyError: string | null }> {
  if (m.actions.length) await applyCaseActions(deps.routing, { caseId, actorId: me.id, actions: m.actions, auditAction: 'case.macro', auditNote: { macroId: m.id } });
  const c = await deps.routing.db.query(`SELECT c.number, cu.name, cu.language FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`, [caseId]);
  const template = replyFor(m.reply, c.rows[0]?.language);
  if (!c.rowCount || !template) return { interactionId: null, replyError: null };
  const text = fillTemplate(template, { customerName: c.rows[0].name, caseRef: `#${c.rows[0].number}`, agentName: me.name });
  try {
    const r = await createReply(deps.reply, { caseId, agentId: me.id, internal: m.replyInternal, text, metadata: { macroId: m.id } });
    return { interactionId: r.interactionId, replyError: null };
  } catch (err) {
    if (err instanceof HttpError) return { interactionId: null, replyError: err.message };
    throw err;
  }
}
