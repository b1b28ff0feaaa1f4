/**
 * Bounded work in flight: at most `concurrency` holders at once, at most `maxQueue` waiting, and none
 * waiting longer than `maxWaitMs`. A request that cannot be admitted is refused at once (the caller
 * answers 503 + Retry-After) instead of joining a queue that would answer it a minute later.
 */
export interface AdmissionLimits {
  concurrency: number;
  maxQueue: number;
  maxWaitMs: number;
}

export type Admission = { ok: true; release: () => void } | { ok: false; reason: 'queue_full' | 'wait_exceeded' };

export interface Limiter {
  acquire(): Promise<Admission>;
  readonly inFlight: number;
  readonly waiting: number;
}

export function createLimiter(limits: AdmissionLimits): Limiter {
  let inFlight = 0;
  const queue: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  const releaser = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) {
        // the slot passes straight to the longest waiter
        clearTimeout(next.timer);
        next.grant();
      } else inFlight--;
    };
  };

  return {
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return queue.length;
    },
    acquire() {
      if (inFlight < limits.concurrency) {
        inFlight++;
        return Promise.resolve({ ok: true, release: releaser() });
      }
      if (queue.length >= limits.maxQueue) return Promise.resolve({ ok: false, reason: 'queue_full' });
      return new Promise<Admission>((resolve) => {
        const entry = {
          grant: () => resolve({ ok: true, release: releaser() }),
          timer: setTimeout(() => {
            const i = queue.indexOf(entry);
            if (i >= 0) queue.splice(i, 1);
            resolve({ ok: false, reason: 'wait_exceeded' });
          }, limits.maxWaitMs),
        };
        queue.push(entry);
      });
    },
  };
}
