import type pg from 'pg';
import type { Log as Logger } from '../../../server/src/lib/log.js';
import type { HubQueues } from '../../../server/src/lib/queues.js';
import type { SlaTimer } from '../../../server/src/sla/recompute-plan.js';
import type { RoutingDeps } from '../../../server/src/lifecycle/deps.js';
import { fireReminder, fireSlaTimer, type TimerOutcome } from '../../../server/src/lifecycle/sla.js';
import { throttledWarn } from '../../../server/src/lib/best-effort.js';
import { dueTimers, markedCases, recomputeCaseSla, recomputeCasesSla } from '../../../server/src/sla/clocks.js';

export interface SlaDeps {
  db: pg.Pool;
  queues: HubQueues;
  log: Logger;
  /** the time as the SLA code sees it (tests move it; the hub uses the wall clock) */
  clock?: () => Date;
}

const nowOf = (d: SlaDeps) => (d.clock ? d.clock() : new Date());
const routingDeps = (d: SlaDeps): RoutingDeps => ({ db: d.db, queues: d.queues, log: d.log });

/** One wake-up call for a case's clock or reminder: Postgres decides whether anything is due. */
export async function handleSlaTimer(d: SlaDeps, t: Pick<SlaTimer, 'caseId' | 'kind' | 'metric'>): Promise<TimerOutcome> {
  if (t.kind === 'reminder') return fireReminder(routingDeps(d), t.caseId, nowOf(d));
  if (!t.metric) return 'stale';
  return fireSlaTimer(routingDeps(d), { caseId: t.caseId, kind: t.kind, metric: t.metric }, nowOf(d));
}

/**
 * Recomputes the clocks of the cases marked since the last round, up to `limit` of them in one
 * transaction. Returns how many it took on: a case a writer holds right now stays marked for the next round.
 */
export async function syncMarkedCases(d: SlaDeps, limit = 200): Promise<number> {
  try {
    return (await recomputeCasesSla(d.db, { marked: limit })).caseIds.length;
  } catch (err) {
    d.log.warn({ err }, 'SLA batch recomputation failed; recomputing its cases one at a time');
    return oneByOne(d, limit);
  }
}

/**
 * After a failed batch: the marked cases each in its own transaction, so that a case that cannot be
 * recomputed (its calendar names a time zone the runtime does not know, say) stays marked and logged
 * instead of holding back every case batched with it. When none could be done the error goes up.
 */
async function oneByOne(d: SlaDeps, limit: number): Promise<number> {
  const ids = await markedCases(d.db, limit);
  let done = 0;
  let failure: unknown = null;
  for (const id of ids) {
    try {
      await recomputeCaseSla(d.db, id);
      done++;
    } catch (err) {
      d.log.warn({ err, caseId: id }, 'SLA recomputation of a case failed; it stays marked');
      failure ??= err;
    }
  }
  if (failure && !done) throw failure;
  return ids.length;
}

/**
 * Fires every warning, due time and reminder whose time has come (by the SLA clock), read from Postgres:
 * the clocks and pending dates are the timers, so nothing about them lives on Redis to lose or rebuild.
 * Returns how many fired (a timer another worker fired first is stale here).
 */
export async function fireDueTimers(d: SlaDeps, limit = 200): Promise<number> {
  let fired = 0;
  for (const t of await dueTimers(d.db, nowOf(d), limit)) if ((await handleSlaTimer(d, t)) === 'fired') fired++;
  return fired;
}

/**
 * The SLA worker: every `syncMs` it recomputes the cases marked since its last round, then fires what is
 * due. A due timer is one indexed read a tick (empty almost always) instead of a delayed BullMQ job per
 * warning, due time and reminder — four or so per case, added again at each recomputation and, as most
 * cases are answered in time, nearly all run only to find nothing due. Several workers may tick at once:
 * a timer fires under its case's lock, once.
 */
export function startSlaWorker(d: SlaDeps & { syncMs: number }): () => Promise<void> {
  let stopped = false;
  let running = false;
  // the next tick retries: one warning a minute while Postgres keeps refusing
  const failed = throttledWarn(d.log, 'SLA recomputation or timers failed; will retry');
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && (await syncMarkedCases(d)) === 200);
      while (!stopped && (await fireDueTimers(d)) === 200);
    } catch (err) {
      failed(err);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), d.syncMs);
  void tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    while (running) await new Promise((r) => setTimeout(r, 20));
  };
}
