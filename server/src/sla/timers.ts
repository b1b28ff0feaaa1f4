/**
 * SLA timers on Redis: one delayed BullMQ job per warning, due time and reminder. The job id names the
 * case, the clock and the instant, so adding a timer twice (a rebuild, a recomputation that changed
 * nothing) keeps one job; a job whose instant is out of date finds nothing to do when it runs.
 */
import type { Queue } from 'bullmq';
import type { SlaTimerJob } from '../contracts/jobs.js';
import type { SlaTimer } from './clocks.js';

export const slaTimerJobId = (t: SlaTimer) => `${t.kind}-${t.caseId}-${t.metric ?? 'case'}-${new Date(t.at).getTime()}`;

/** Adds the timers' jobs, each delayed until its instant as seen by `now` (the injectable clock). */
export async function scheduleTimers(queue: Pick<Queue<SlaTimerJob>, 'addBulk'>, timers: SlaTimer[], now: Date): Promise<void> {
  if (!timers.length) return;
  await queue.addBulk(
    timers.map((t) => ({
      name: t.kind,
      data: { caseId: t.caseId, kind: t.kind, metric: t.metric, at: new Date(t.at).toISOString() },
      opts: { jobId: slaTimerJobId(t), delay: Math.max(0, new Date(t.at).getTime() - now.getTime()) },
    })),
  );
}
