import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Log as Logger } from '../../../server/src/lib/log.js';
import type { HubQueues } from '../../../server/src/lib/queues.js';
import { QUEUE_NAMES, type SlaTimerJob } from '../../../server/src/contracts/jobs.js';
import type { RoutingDeps } from '../../../server/src/lifecycle/deps.js';
import { fireReminder, fireSlaTimer, type TimerOutcome } from '../../../server/src/lifecycle/sla.js';
import { liveTimers, markedCases, overdueTimers, recomputeCaseSla, recomputeCasesSla, type SlaTimer } from '../../../server/src/sla/clocks.js';
import { scheduleTimers } from '../../../server/src/sla/timers.js';

export interface SlaDeps {
  db: pg.Pool;
  queues: HubQueues;
  log: Logger;
  /** the time as the SLA code sees it (tests move it; the hub uses the wall clock) */
  clock?: () => Date;
}

const nowOf = (d: SlaDeps) => (d.clock ? d.clock() : new Date());
const routingDeps = (d: SlaDeps): RoutingDeps => ({ db: d.db, queues: d.queues, log: d.log });

/** One wake-up call: Postgres decides whether anything is due. */
export async function handleSlaTimer(d: SlaDeps, job: Pick<SlaTimerJob, 'caseId' | 'kind' | 'metric'>): Promise<TimerOutcome> {
  if (job.kind === 'reminder') return fireReminder(routingDeps(d), job.caseId, nowOf(d));
  if (!job.metric) return 'stale';
  return fireSlaTimer(routingDeps(d), { caseId: job.caseId, kind: job.kind, metric: job.metric }, nowOf(d));
}

/**
 * Recomputes the clocks of the cases marked since the last round, up to `limit` of them in one
 * transaction, and puts their timers on Redis. Returns how many it took on: a case a writer holds right
 * now stays marked for the next round.
 */
export async function syncMarkedCases(d: SlaDeps, limit = 200): Promise<number> {
  let done: { caseIds: number[]; timers: SlaTimer[]; taken: number };
  try {
    const batch = await recomputeCasesSla(d.db, { marked: limit });
    done = { ...batch, taken: batch.caseIds.length };
  } catch (err) {
    d.log.warn({ err }, 'SLA batch recomputation failed; recomputing its cases one at a time');
    done = await oneByOne(d, limit);
  }
  // a timer that did not reach Redis is fired by the sweep from Postgres (fireOverdueTimers)
  await scheduleTimers(d.queues.slaTimers, done.timers, nowOf(d)).catch((err) => d.log.warn({ err, caseIds: done.caseIds }, 'SLA timers not on Redis; the sweep fires them from Postgres'));
  return done.taken;
}

/**
 * After a failed batch: the marked cases each in its own transaction, so that a case that cannot be
 * recomputed (its calendar names a time zone the runtime does not know, say) stays marked and logged
 * instead of holding back every case batched with it. When none could be done the error goes up.
 */
async function oneByOne(d: SlaDeps, limit: number): Promise<{ caseIds: number[]; timers: SlaTimer[]; taken: number }> {
  const ids = await markedCases(d.db, limit);
  const caseIds: number[] = [];
  const timers: SlaTimer[] = [];
  let failure: unknown = null;
  for (const id of ids) {
    try {
      timers.push(...(await recomputeCaseSla(d.db, id)));
      caseIds.push(id);
    } catch (err) {
      d.log.warn({ err, caseId: id }, 'SLA recomputation of a case failed; it stays marked');
      failure ??= err;
    }
  }
  if (failure && !caseIds.length) throw failure;
  return { caseIds, timers, taken: ids.length };
}

/** Every timer still to fire, from Postgres onto Redis (idempotent: job ids name case, clock and instant). */
export async function rebuildSlaTimers(d: SlaDeps): Promise<number> {
  const timers = await liveTimers(d.db);
  for (let i = 0; i < timers.length; i += 500) await scheduleTimers(d.queues.slaTimers, timers.slice(i, i + 500), nowOf(d));
  return timers.length;
}

/** Timers whose time passed without firing (Redis lost them, or was down): fired now from Postgres. */
export async function fireOverdueTimers(d: SlaDeps): Promise<number> {
  const due: SlaTimer[] = await overdueTimers(d.db, nowOf(d));
  let fired = 0;
  for (const t of due) if ((await handleSlaTimer(d, { caseId: t.caseId, kind: t.kind, metric: t.metric })) === 'fired') fired++;
  return fired;
}

/**
 * The SLA worker: consumes the `sla-timers` queue, recomputes changed cases every `syncMs`, and puts
 * every live timer back on Redis when it starts.
 */
export function startSlaWorker(d: SlaDeps & { connection: Redis; prefix: string; syncMs: number }): () => Promise<void> {
  const worker = new Worker<SlaTimerJob>(QUEUE_NAMES.slaTimers, async (job) => void (await handleSlaTimer(d, job.data)), { connection: d.connection, prefix: d.prefix, concurrency: 5 });
  worker.on('error', (err) => d.log.warn({ err }, 'SLA timer worker error'));
  let stopped = false;
  let running = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      while (!stopped && (await syncMarkedCases(d)) === 200);
    } catch (err) {
      d.log.warn({ err }, 'SLA recomputation failed; will retry');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, d.syncMs);
  void (async () => {
    try {
      const n = await rebuildSlaTimers(d);
      if (n) d.log.info({ timers: n }, 'SLA timers and reminders rebuilt from Postgres');
    } catch (err) {
      d.log.warn({ err }, 'SLA timer rebuild failed; the recovery sweep fires what is due');
    }
    await tick();
  })();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await worker.close();
  };
}
