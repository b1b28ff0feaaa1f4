import { NAMESPACES, rooms, type OfferPayload, type PresencePayload, type RescindReason } from '../contracts/realtime.js';
import type { CaseAlertPayload } from '../contracts/sla.js';
import { enqueueCase } from './queue.js';
import { bestEffort } from '../lib/best-effort.js';
import { emitterOf, settingsOf, type RoutingDeps } from './deps.js';
import { caseRoom, emitCaseUpdated, emitPresence, emitRescinded } from './emits.js';
import { removeFromRoutingQueue, requestMatch, scheduleWrapUpEnd } from './signals.js';
import { notifyAgents, type AgentNoticeInput } from '../notifications/agent-notices.js';
import type { CaseUpdatedRow } from '../realtime/case-updated.js';
import type { Channel } from '../contracts/vocabulary.js';
import type pg from 'pg';
import { withTransaction } from '../db/pool.js';
import { retryingConflicts } from './tx.js';

/**
 * What a committed routing transaction leaves to do on Redis and sockets. Collected inside the
 * transaction, applied after commit, so a rolled-back decision never reaches an agent's screen.
 */
export interface Effects {
  requeued: number[];
  /** waiting cases whose priority changed: their routing job is replaced */
  reprioritised: number[];
  dequeued: number[];
  rescinded: { agentId: number; offerId: string; caseId: number; reason: RescindReason }[];
  /**
   * agents whose `presence` event is sent: read after commit, or, for a transition whose own statement
   * returned it (routing_accept), ready as committed (see presenceToSend)
   */
  presence: (number | ReadyPresence)[];
  /**
   * `case:updated` to send. `row`: the case as this transaction left it, given only by a transaction that
   * changed nothing of the case after it (else the envelope is built from the case as it is at emit time).
   */
  caseUpdates: { caseId: number; event: string; agentIds: number[]; row?: CaseUpdatedRow }[];
  rooms: { agentId: number; caseId: number; action: 'join' | 'leave' }[];
  /**
   * the channel's part of each assignment: a lifecycle job, or, for a `channel` whose part is realtime-only
   * (RoutingDeps.inlineAssigned), run here; unknown channel: the job
   */
  assigned: { caseId: number; agentId: number; channel?: Channel }[];
  /** offers made: sent to the agent (their expiry needs no timer of its own: routing/expiry.ts) */
  offers: { agentId: number; payload: OfferPayload }[];
  /** agents' bell entries (e.g. a reassignment), stored and pushed after commit */
  notices: AgentNoticeInput[];
  /** customer notices recorded in the transaction (case_notices): the customer-notices worker is nudged to send them now */
  customerNotices: boolean;
  /** run a match pass now; `cooldown`: once more when refused agents may be offered the case again */
  match: boolean;
  cooldown: boolean;
  /** SLA warnings and breaches, reminders due: `case:alert` to these agents (lifecycle/sla.ts recordCaseAlert) */
  alerts: { payload: CaseAlertPayload; agentIds: number[] }[];
  /** agents who entered wrap-up: the timer that makes them Available again (lifecycle/wrap-up.ts) */
  wrapUpTimers: { agentId: number; delayMs: number }[];
}

/** An agent's presence event as the transition that changed it read it, inside its transaction. */
export interface ReadyPresence {
  agentId: number;
  payload: PresencePayload;
}

/**
 * A transition that collects effects, retried when Postgres aborts it (deadlock, serialisation failure):
 * each attempt starts from no effects, so what an aborted attempt collected (a rescind or a requeue it
 * never committed) is never applied.
 */
export function withEffectsTx<T>(pool: pg.Pool, fx: Effects, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  return retryingConflicts(() => {
    Object.assign(fx, noEffects());
    return withTransaction(pool, fn);
  });
}

/** Customer-notice nudges within one window share one sweep (a sweep per solve was most of that worker's work). */
export const NOTICES_NUDGE_WINDOW_MS = 100;
/** the last window each customer-notices queue (one per process, in practice) was nudged for by this process */
const nudgedWindow = new WeakMap<object, number>();

export const noEffects = (): Effects => ({
  requeued: [],
  reprioritised: [],
  dequeued: [],
  rescinded: [],
  presence: [],
  caseUpdates: [],
  rooms: [],
  assigned: [],
  offers: [],
  notices: [],
  customerNotices: false,
  match: false,
  cooldown: false,
  alerts: [],
  wrapUpTimers: [],
});

/**
 * The one place where a committed transition reaches Redis and sockets: routing queue jobs, match
 * requests, wrap-up timers, `offer`, `offer:rescinded`, `case:updated`, `presence` and case rooms.
 */
export async function applyEffects(deps: RoutingDeps, e: Effects): Promise<void> {
  const settings = settingsOf(deps);
  if (e.offers.length) {
    await Promise.all(e.offers.map((o) => emitterOf(deps).emit({ nsp: NAMESPACES.agent, room: rooms.agent(o.agentId), event: 'offer', payload: o.payload })));
  }
  for (const caseId of e.reprioritised) {
    await removeFromRoutingQueue(deps.queues, caseId, deps.log);
    if (!e.requeued.includes(caseId)) await enqueueCase(deps.db, deps.queues.routing, caseId, 'escalation', deps.log);
  }
  for (const caseId of e.requeued) await enqueueCase(deps.db, deps.queues.routing, caseId, 'requeue', deps.log);
  for (const caseId of e.dequeued) await removeFromRoutingQueue(deps.queues, caseId, deps.log);
  if (e.match || e.requeued.length || e.reprioritised.length) await requestMatch(deps.queues, 'effects', 0, deps.log);
  for (const w of e.wrapUpTimers) await scheduleWrapUpEnd(deps.queues, w.agentId, w.delayMs, deps.log);
  if (e.cooldown) await requestMatch(deps.queues, 'cooldown', settings.reofferCooldownMs + 50, deps.log);
  for (const a of e.assigned) {
    const inline = a.channel && deps.inlineAssigned?.(a.channel);
    const job = { caseId: a.caseId, agentId: a.agentId };
    if (inline) await bestEffort(inline({ db: deps.db, realtime: emitterOf(deps), log: deps.log }, job), deps.log, `the ${a.channel} channel's part of an assignment`);
    else await bestEffort(deps.queues.lifecycle.add('assigned', { type: 'assigned', ...job }), deps.log, "queueing the channel's part of an assignment");
  }
  await Promise.all([
    ...e.rescinded.map((r) => emitRescinded(deps, r.agentId, r.offerId, r.caseId, r.reason)),
    ...e.rooms.map((r) => caseRoom(deps, r.agentId, r.caseId, r.action)),
  ]);
  for (const u of e.caseUpdates) await emitCaseUpdated(deps, u.caseId, u.event, u.agentIds, u.row);
  for (const a of e.alerts) {
    if (a.agentIds.length) await emitterOf(deps).emit({ nsp: NAMESPACES.agent, room: [...new Set(a.agentIds)].map(rooms.agent), event: 'case:alert', payload: a.payload });
  }
  await Promise.all([...presenceToSend(e.presence)].map(([a, payload]) => emitPresence(deps, a, payload)));
  for (const n of e.notices) await bestEffort(notifyAgents({ db: deps.db, realtime: emitterOf(deps), log: deps.log }, n), deps.log, `a ${n.kind} notification`);
  // the worker's periodic sweep sends them anyway (rows are in Postgres); this only saves the wait
  const now = Date.now();
  const window = Math.floor(now / NOTICES_NUDGE_WINDOW_MS);
  // this process already added the window's job: adding it again would only run BullMQ's add script to find it
  if (e.customerNotices && deps.queues.customerNotices && nudgedWindow.get(deps.queues.customerNotices) !== window) {
    // one sweep per window however many changes nudge it (every solve does): the job id names the window and
    // the job waits until the window has closed, so it reads every notice committed by the changes it stands for
    nudgedWindow.set(deps.queues.customerNotices, window);
    await bestEffort(
      deps.queues.customerNotices.add(
        'sweep',
        { type: 'sweep' },
        { jobId: `sweep-nudge-${window}`, delay: (window + 1) * NOTICES_NUDGE_WINDOW_MS - now, removeOnComplete: true, removeOnFail: 100 },
      ),
      deps.log,
      'nudging the customer-notices worker',
    );
  }
}

/**
 * One presence event per agent, in first-mention order. A ready payload is used only when every entry for
 * the agent is one (then the last): a plain entry may stand for a change after the payload was read, and
 * is read after commit as always.
 */
export function presenceToSend(entries: Effects['presence']): Map<number, PresencePayload | undefined> {
  const out = new Map<number, PresencePayload | undefined>();
  const plain = new Set<number>();
  for (const x of entries) {
    if (typeof x === 'number') {
      plain.add(x);
      out.set(x, undefined);
    } else if (!plain.has(x.agentId)) out.set(x.agentId, x.payload);
  }
  return out;
}
