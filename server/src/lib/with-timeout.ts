import { bestEffort } from './best-effort.js';
import type { Log } from './log.js';

/** Rejects with `message` if `p` has not settled within `ms`; the timer never outlives the promise. */
export function withTimeout<T>(p: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/**
 * For shutdown: waits for `p` (errors logged at warn) but gives up after `ms`, e.g. a graceful close that
 * would hang while Redis or a mail server is unreachable. Clears its timer so exit is not delayed.
 */
export async function settleWithin(p: Promise<unknown>, ms: number, log?: Pick<Log, 'warn'>, what = 'closing'): Promise<void> {
  await bestEffort(withTimeout(p, ms), log, what);
}
