/**
 * Case lifecycle: new → open → pending → solved → closed, with reopen (solved → open).
 * `changeCaseStatus` validates the transition, sets the timestamps, writes case events
 * (status_changed plus solved / closed / reopened) and, when the case stops occupying its agent
 * (solved or closed), frees that capacity and triggers a match pass at once. A case still waiting
 * for an agent leaves the queue (its pending offer is withdrawn). Throws HttpError 404 / 409.
 */
import type { Tx } from '../db/pool.js';
import { writeCaseEvent, withCause, type CaseEventCause } from '../db/case-events.js';
import { conflict, notFound, badRequest, unprocessable } from '../lib/errors.js';
import { enterWrapUp, isLiveChannel } from './wrap-up.js';
import type { RoutingDeps } from './deps.js';
import { applyEffects, noEffects, withEffectsTx, type Effects } from './effects.js';
import { retryingConflicts } from './tx.js';
import { queueInTx } from './queue.js';
import { rescindCaseOfferInTx } from './rescind.js';
import { canTransition, routingStateAfter } from './machine.js';
import type { CaseUpdatedRow } from '../realtime/case-updated.js';
import { CASE_VIEW_COLUMNS, CASE_VIEW_EXTRA_COLUMNS, caseSelectFrom, columnList, toCaseView, type CaseView } from '../cases/case-view.js';
import { namedStatement, runNamed } from '../db/named.js';

export type SettableStatus = 'open' | 'pending' | 'solved' | 'closed';

export interface ChangeStatusInput {
  caseId: number;
  status: SettableStatus;
  /** who changes it (null: the system, e.g. an automation or the customer's channel) */
  agentId: number | null;
  resolutionNote?: string;
  /** pending: when to wake the case up again */
  pendingUntil?: Date | string;
  /** set when an automation rule makes the change (kept in the events' data) */
  cause?: CaseEventCause;
  /**
   * the agent whose view of the case the caller answers with (the status route): read in the change's own
   * statement when it can be (solve, close, pending), returned as `view`
   */
  viewerId?: number;
}

export interface ChangeStatusResult {
  caseId: number;
  from: string;
  to: string;
  changed: boolean;
  /** the case as `input.viewerId` sees it after the change, when the change's statement read it */
  view?: CaseView;
}

export { canTransition } from './machine.js';

export async function changeCaseStatus(deps: RoutingDeps, input: ChangeStatusInput): Promise<ChangeStatusResult> {
  const pendingUntil = input.pendingUntil ? new Date(input.pendingUntil) : null;
  if (pendingUntil && Number.isNaN(pendingUntil.getTime())) throw badRequest('pendingUntil is not a valid time');
  const fx = noEffects();
  const held = input.status === 'solved' && input.agentId !== null && input.viewerId !== undefined ? await solveHeld(deps, input, fx) : null;
  const result = held ?? await withEffectsTx(deps.db, fx, async (tx) => {
    // The case row alone: the agent's load follows from it through the matching state's triggers
    // (migration 0901), so no agent row lock is held while this transaction runs.
    const c = await lockCaseForStatus(tx, input.caseId);
    if (!c) throw notFound('case');
    const known = { caseId: c.id, from: c.status, assigneeId: c.assignee_id, channel: c.channel, wrapUpSeconds: c.wrap_up_seconds };
    if (c.status === input.status) return { ...known, to: c.status, changed: false, view: null };
    if (!canTransition(c.status, input.status)) throw conflict(`a ${c.status} case cannot become ${input.status}`);
    // nothing else changes the case in this transaction: `case:updated` is built from what the change returned
    const view = await applyTransition(tx, c, input, pendingUntil, fx, { last: true });
    return { ...known, to: input.status, changed: true, view };
  });
  // a call or chat the agent held has ended: their after-call work starts (before the match pass the
  // freed capacity asks for, so the pass does not offer them a case in between); closing a case already
  // solved (auto-close, days later) is not the end of anyone's work
  const ended = input.status === 'solved' || input.status === 'closed';
  if (result.changed && ended && result.assigneeId && result.from !== 'solved' && isLiveChannel(result.channel)) {
    await enterWrapUp(deps, result.assigneeId, result.caseId, 'case_ended', { wrapUpSeconds: result.wrapUpSeconds, channel: result.channel });
  }
  await applyEffects(deps, fx);
  return { caseId: result.caseId, from: result.from, to: result.to, changed: result.changed, ...(result.view ? { view: result.view } : {}) };
}

/** Whether the case `c`'s queue requires a disposition it does not have yet (no queue: none required). */
const DISPOSITION_MISSING = `(c.disposition_id IS NULL AND COALESCE((SELECT q.disposition_required FROM queues q WHERE q.id = c.queue_id), false))`;

/**
 * The case row locked for a status change, with what its queue asks of the change, in one round trip:
 * whether a disposition the queue requires is still missing, and its wrap-up time (0 also with no queue).
 * The queue is read in subqueries, not joined: only the case row is locked, and a case whose queue changed
 * while this waited for the lock is looked at with its new queue (a joined row would be the old one).
 * The general path's first statement, and SOLVE's first step.
 */
const CASE_FOR_STATUS = `SELECT c.id, c.status, c.channel, c.queue_id, c.assignee_id, c.routing_state,
          ${DISPOSITION_MISSING} AS disposition_missing,
          COALESCE((SELECT q.wrap_up_seconds FROM queues q WHERE q.id = c.queue_id), 0) AS wrap_up_seconds
     FROM cases c WHERE c.id = $1 FOR UPDATE`;

/**
 * The customer is owed a notice of this change (customer-messages/notices.ts sends it, if the event is on
 * and the customer can be reached): recorded in the statement that makes the change, so a crash after
 * commit cannot lose it. A CTE for that statement; `caseRef` and `eventsRef` are its placeholders (or
 * expressions); `changed`, the CTE of the changed row when the statement may change nothing, writes the
 * notices only if it did.
 */
const owedNoticesCte = (caseRef: string, eventsRef: string, changed?: string) =>
  `owed AS (INSERT INTO case_notices (case_id, event, occurrence)
            SELECT ${caseRef}, e, now()::text FROM ${changed ? `${changed}, ` : ''}unnest(${eventsRef}::text[]) e ON CONFLICT DO NOTHING)`;

/**
 * The commonest change of all, an agent solving a case that is not waiting for an agent, in one statement and
 * so one round trip with no transaction around it (the general path takes four: BEGIN, the locking read, the
 * change, COMMIT, the case row locked across them): the row locked, the change checked (from new, open or
 * pending; not queued; a disposition its queue requires chosen), the case, its events and the customer's
 * notices written, the case view read. When the check fails nothing is written and the general path takes
 * over, which refuses with the reason or handles the queued case.
 */
const SOLVE = namedStatement(
  'status-solve',
  `WITH x AS (${CASE_FOR_STATUS}),
   ok AS (
     SELECT x.id, x.status, x.assignee_id FROM x
      WHERE x.status IN ('new', 'open', 'pending') AND x.routing_state NOT IN ('waiting', 'offered') AND NOT x.disposition_missing
   ),
   u AS (
     UPDATE cases SET status = 'solved', routing_state = 'none', first_queued_at = NULL, solved_at = now(),
            resolution_note = COALESCE($2, cases.resolution_note), pending_until = NULL,
            last_agent_at = CASE WHEN cases.assignee_id IS NOT NULL THEN now() ELSE cases.last_agent_at END, updated_at = now()
       FROM ok WHERE cases.id = ok.id
     RETURNING ${columnList(CASE_VIEW_COLUMNS, 'cases')}
   ),
   ev AS (
     INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
     SELECT u.id, e.type, $3, u.queue_id, u.channel, e.data
       FROM u, ok, LATERAL (VALUES (1, 'status_changed', jsonb_build_object('from', ok.status, 'to', 'solved', 'by', $3::bigint)),
                                   (2, 'solved', jsonb_build_object('assigneeId', ok.assignee_id, 'note', $2::text))) AS e(n, type, data)
      ORDER BY e.n
   ),
   ${owedNoticesCte('u.id', "ARRAY['solved', 'csat']", 'u')}
   SELECT x.status AS from_status, x.assignee_id AS from_assignee, x.channel AS from_channel, x.wrap_up_seconds, v.id IS NOT NULL AS done,
          ${columnList([...CASE_VIEW_COLUMNS, ...CASE_VIEW_EXTRA_COLUMNS], 'v')}
     FROM x LEFT JOIN LATERAL (${caseSelectFrom('u', '$4')}) v ON true`,
);

/**
 * An agent solving a case in one round trip (SOLVE), with the same effects as applyTransition's solve; null
 * when the case is not one SOLVE does (nothing written), for the general path.
 */
async function solveHeld(deps: RoutingDeps, input: ChangeStatusInput, fx: Effects) {
  const r = await retryingConflicts(() => runNamed(deps.db, SOLVE, [input.caseId, input.resolutionNote ?? null, input.agentId, input.viewerId]));
  const row = r.rows[0];
  if (!row?.done) return null;
  const known = { caseId: input.caseId, from: row.from_status as string, assigneeId: row.from_assignee as number | null, channel: row.from_channel as string, wrapUpSeconds: row.wrap_up_seconds as number };
  endedEffects(fx, { id: input.caseId, status: known.from, assignee_id: known.assigneeId }, 'solved', row);
  return { ...known, to: 'solved', changed: true, view: toCaseView(row) };
}

const LOCK_CASE_FOR_STATUS = namedStatement('status-lock-case', CASE_FOR_STATUS);

async function lockCaseForStatus(tx: Tx, caseId: number) {
  const r = await runNamed(tx, LOCK_CASE_FOR_STATUS, [caseId]);
  return r.rows[0] as
    | {
        id: number;
        status: string;
        channel: string;
        queue_id: number | null;
        assignee_id: number | null;
        routing_state: string;
        disposition_missing: boolean;
        wrap_up_seconds: number;
      }
    | undefined;
}

/**
 * What a status change's statement answers from its `u` (the changed row, `RETURNING` CASE_VIEW_COLUMNS):
 * the case's fields `case:updated` tells, or the whole case view when the caller answers with it (`viewer`:
 * its placeholder).
 */
const changedCaseSelect = (viewer: string | null) =>
  viewer ? caseSelectFrom('u', viewer) : 'SELECT status, priority, assignee_id, routing_state, queue_id FROM u';

/**
 * A solve or close: the case row, its events (status_changed first, unless written before) and the
 * customer's notices in one round trip. Named (db/named.ts): every close and every solve SOLVE does
 * not take runs it, and planning it cost half as much as running it. `view`: answers the case view for the viewer ($9).
 */
const endStatement = (view: boolean) =>
  namedStatement(
    view ? 'status-end-view' : 'status-end',
    `WITH u AS (
       UPDATE cases SET status = $2, routing_state = 'none', first_queued_at = NULL,
              solved_at = CASE WHEN $2 = 'solved' THEN now() ELSE COALESCE(solved_at, now()) END,
              closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE closed_at END,
              resolution_note = COALESCE($3, resolution_note), pending_until = NULL,
              last_agent_at = CASE WHEN assignee_id IS NOT NULL THEN now() ELSE last_agent_at END,
              updated_at = now()
        WHERE id = $1 RETURNING ${columnList(CASE_VIEW_COLUMNS)}
     ),
     ev AS (
       INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
       SELECT $1, e.type, $4, u.queue_id, u.channel, e.data
         FROM u, (VALUES (1, 'status_changed', $5::jsonb), (2, $2, $6::jsonb)) AS e(n, type, data)
        WHERE e.n = 2 OR NOT $7
        ORDER BY e.n
     ),
     ${owedNoticesCte('$1', '$8')}
     ${changedCaseSelect(view ? '$9' : null)}`,
  );

/** A case set pending: the event, the case row and the customer's notice in one round trip (named likewise). */
const pendingStatement = (view: boolean) =>
  namedStatement(
    view ? 'status-pending-view' : 'status-pending',
    `WITH u AS (
       UPDATE cases SET status = 'pending', pending_until = $2, updated_at = now() WHERE id = $1 RETURNING ${columnList(CASE_VIEW_COLUMNS)}
     ),
     ev AS (
       INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data) SELECT $1, 'status_changed', $3, u.queue_id, u.channel, $4::jsonb FROM u
     ),
     ${owedNoticesCte('$1', '$5')}
     ${changedCaseSelect(view ? '$6' : null)}`,
  );

/**
 * After a solve or close: the customer's notices, the agent's freed capacity and `case:updated` (`row`: the
 * case as the change's statement left it, when nothing changed it after).
 */
function endedEffects(fx: Effects, c: { id: number; status: string; assignee_id: number | null }, to: 'solved' | 'closed', row: CaseUpdatedRow | undefined): void {
  fx.customerNotices = true;
  if (c.assignee_id && c.status !== 'solved') {
    // the agent's capacity is free again and "longest available" counts from here: both kept in the
    // matching state by the cases trigger (migration 0901), so no agent row is locked here
    fx.presence.push(c.assignee_id);
    fx.match = true;
  }
  statusUpdated(fx, c, to, row);
}

/** `case:updated` for a status change; `row`: the case as its statement left it, when nothing changed it after. */
function statusUpdated(fx: Effects, c: { id: number; assignee_id: number | null }, to: string, row: CaseUpdatedRow | undefined): void {
  const told = row ? { status: row.status, priority: row.priority, assignee_id: row.assignee_id, routing_state: row.routing_state, queue_id: row.queue_id } : undefined;
  fx.caseUpdates.push({ caseId: c.id, event: `status:${to}`, agentIds: c.assignee_id ? [c.assignee_id] : [], ...(told ? { row: told } : {}) });
}

const END = endStatement(false);
const END_VIEW = endStatement(true);
const PENDING = pendingStatement(false);
const PENDING_VIEW = pendingStatement(true);

/**
 * One status change inside the caller's transaction, case row locked (e.g. a chat visitor leaving the queue).
 * `c.disposition_missing`: when the caller's locking read answered it (else it is read here).
 * `opts.last`: the caller changes nothing more of the case in this transaction, so `case:updated` can carry
 * the case as this change left it instead of reading it again after commit, and so can the answer: with
 * `last`, returns the case as `input.viewerId` sees it when the change's statement read it (solve, close,
 * pending), else null.
 */
export async function applyTransition(
  tx: Tx,
  c: { id: number; status: string; assignee_id: number | null; routing_state: string; disposition_missing?: boolean },
  input: ChangeStatusInput,
  pendingUntil: Date | null,
  fx: Effects,
  opts: { last?: boolean } = {},
): Promise<CaseView | null> {
  const to = input.status;
  const by = input.agentId;
  const changedEvent = withCause({ from: c.status, to, by }, input.cause);
  const caseUpdated = (x: CaseUpdatedRow | undefined) => {
    statusUpdated(fx, c, to, opts.last ? x : undefined);
  };
  // a view is only the answer when nothing changes the case after this
  const viewer = opts.last ? (input.viewerId ?? null) : null;
  const viewOf = (row: Record<string, unknown> | undefined) => (viewer !== null && row ? toCaseView(row) : null);

  if (to === 'solved' || to === 'closed') {
    // before anything is written: the refusal leaves the case as it was
    if (by !== null && c.status !== 'solved') await requireDispositionInTx(tx, c);
    const wasQueued = c.routing_state === 'waiting' || c.routing_state === 'offered';
    if (wasQueued) {
      await writeCaseEvent(tx, { caseId: c.id, type: 'status_changed', agentId: by, data: changedEvent });
      await rescindCaseOfferInTx(tx, c.id, 'closed', fx);
      fx.dequeued.push(c.id);
    }
    const r = await runNamed(tx, viewer === null ? END : END_VIEW, [
      c.id,
      to,
      input.resolutionNote ?? null,
      by,
      JSON.stringify(changedEvent),
      JSON.stringify(withCause({ assigneeId: c.assignee_id, note: input.resolutionNote ?? null }, input.cause)),
      wasQueued,
      to === 'solved' ? ['solved', 'csat'] : ['closed'],
      ...(viewer === null ? [] : [viewer]),
    ]);
    endedEffects(fx, c, to, opts.last ? r.rows[0] : undefined);
    return viewOf(r.rows[0]);
  }
  if (to === 'pending') {
    const r = await runNamed(tx, viewer === null ? PENDING : PENDING_VIEW, [c.id, pendingUntil, by, JSON.stringify(changedEvent), ['needs_reply'], ...(viewer === null ? [] : [viewer])]);
    fx.customerNotices = true;
    caseUpdated(r.rows[0]);
    return viewOf(r.rows[0]);
  }
  // open: from new, from pending (woken up) or from solved (reopened)
  await writeCaseEvent(tx, { caseId: c.id, type: 'status_changed', agentId: by, data: changedEvent });
  const r = await tx.query(
    `UPDATE cases SET status = 'open', solved_at = NULL, pending_until = NULL, updated_at = now() WHERE id = $1 RETURNING status, priority, assignee_id, routing_state, queue_id`,
    [c.id],
  );
  if (c.status === 'solved') {
    await writeCaseEvent(tx, { caseId: c.id, type: 'reopened', agentId: by, data: { by } });
    await afterReopenInTx(tx, c, { after: 'reopened' }, fx);
    // where the reopened case went is read when it is told
    caseUpdated(undefined);
    return null;
  }
  caseUpdated(r.rows[0]);
  return null;
}

/**
 * An agent may not solve (or close) a case of a queue that requires a disposition before one is chosen.
 * System changes (the visitor ended the chat, automations, auto-close) are not held back.
 * Answered from the caller's locking read when it had it (`disposition_missing`), else read here.
 */
async function requireDispositionInTx(tx: Tx, c: { id: number; disposition_missing?: boolean }): Promise<void> {
  const missing = c.disposition_missing ?? (await dispositionMissing(tx, c.id));
  if (missing) throw unprocessable('choose a disposition before solving: this queue requires one', [{ field: 'dispositionId', reason: 'required by the queue' }]);
}

async function dispositionMissing(tx: Tx, caseId: number): Promise<boolean> {
  const r = await tx.query(`SELECT ${DISPOSITION_MISSING} AS missing FROM cases c WHERE c.id = $1`, [caseId]);
  return r.rows[0]?.missing === true;
}

/**
 * Where a reopened case goes, whoever reopened it: back to its assignee (`assigned`) when it has one,
 * else onto the queue. Both the agent's reopen and the customer's (ingest) come through here.
 * `queue: false` leaves the queueing to the caller's own transaction (ingest queues after the interaction).
 */
async function afterReopenInTx(
  tx: Tx,
  c: { id: number; assignee_id: number | null },
  data: Record<string, unknown>,
  fx: Effects,
  opts: { queue?: boolean } = {},
): Promise<'assigned' | 'waiting' | 'none'> {
  const state = routingStateAfter('reopen', c.assignee_id);
  if (state === 'assigned') {
    await tx.query(`UPDATE cases SET routing_state = 'assigned', updated_at = now() WHERE id = $1 AND routing_state = 'none'`, [c.id]);
    fx.presence.push(c.assignee_id!);
    return 'assigned';
  }
  if (opts.queue === false) return 'none';
  await queueInTx(tx, c.id, 'queued', data);
  fx.requeued.push(c.id);
  return 'waiting';
}

/**
 * The customer wrote back: a solved case reopens and a pending one wakes up (status `open`). A case
 * that still has its agent goes back to that agent (`assigned`), exactly as an agent's reopen does;
 * one without an agent is left for the caller (ingest) to queue in the same transaction.
 * Returns the routing state the case is in afterwards and whether it was a reopen.
 */
export async function reopenByCustomerInTx(
  tx: Tx,
  c: { id: number; status: string; assignee_id: number | null; routing_state: string },
  channel: string,
): Promise<{ reopened: boolean; routingState: string }> {
  if (c.status !== 'solved' && c.status !== 'pending') return { reopened: false, routingState: c.routing_state };
  await tx.query(`UPDATE cases SET status = 'open', solved_at = NULL, pending_until = NULL, updated_at = now() WHERE id = $1`, [c.id]);
  await writeCaseEvent(tx, {
    caseId: c.id,
    type: c.status === 'solved' ? 'reopened' : 'status_changed',
    channel,
    data: { from: c.status, to: 'open', by: 'customer' },
  });
  if (c.status !== 'solved' || c.routing_state !== 'none') return { reopened: c.status === 'solved', routingState: c.routing_state };
  // effects of an assigned reopen (presence refresh) are left out: ingest's own fan-out tells the agent
  const state = await afterReopenInTx(tx, c, { after: 'reopened', by: 'customer' }, noEffects(), { queue: false });
  return { reopened: true, routingState: state };
}

/** Someone replied on a `new` case: it is being worked on (`open`). */
export async function openOnReplyInTx(tx: Tx, caseId: number, agentId: number | null): Promise<void> {
  const r = await tx.query(`UPDATE cases SET status = 'open', updated_at = now() WHERE id = $1 AND status = 'new' RETURNING id`, [caseId]);
  if (r.rowCount) await writeCaseEvent(tx, { caseId, type: 'status_changed', agentId, data: { from: 'new', to: 'open' } });
}

/**
 * The system solves a case nobody holds (e.g. the call case of a caller who never reached an agent; the
 * callback case carries the follow-up). A held, solved or closed case is left alone. Caller holds no lock.
 */
export async function solveUnheldInTx(tx: Tx, caseId: number, note: string): Promise<boolean> {
  const c = await tx.query(`SELECT status, assignee_id FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
  const row = c.rows[0];
  if (!row || row.assignee_id || !canTransition(row.status, 'solved') || row.status === 'solved') return false;
  await tx.query(
    `UPDATE cases SET status = 'solved', solved_at = now(), resolution_note = $2, routing_state = 'none', updated_at = now() WHERE id = $1`,
    [caseId, note],
  );
  await writeCaseEvent(tx, { caseId, type: 'status_changed', data: { from: row.status, to: 'solved', by: 'system' } });
  await writeCaseEvent(tx, { caseId, type: 'solved', data: { note } });
  return true;
}
