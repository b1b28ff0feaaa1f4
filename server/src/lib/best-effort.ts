import type { Log } from './log.js';

/**
 * Awaits work whose failure must not fail the caller (a UI nudge, a cleanup, a queue hint that a sweep
 * repeats) and says so at warn level instead of swallowing it. Resolves to undefined when `p` rejected.
 * Without a logger (code that runs before one exists, e.g. migrations) the warning goes to stderr.
 */
export async function bestEffort<T>(p: Promise<T>, log: Pick<Log, 'warn'> | undefined, what: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (log) log.warn({ err }, `${what} failed`);
    else console.warn(`${what} failed:`, err);
    return undefined;
  }
}

interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * A warning for a failure that repeats while an outage lasts (every reconnect attempt, every tick): logged at
 * most once per `everyMs`, with how many were left out since the last one, so the outage is in the log
 * without a line per attempt. Without a logger the warning goes to stderr.
 */
export function throttledWarn(log: Pick<Log, 'warn'> | undefined, what: string, everyMs = 60_000): (err: unknown) => void {
  let last = -Infinity;
  let quiet = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < everyMs) {
      quiet++;
      return;
    }
    const suppressed = quiet;
    last = now;
    quiet = 0;
    if (log) log.warn({ err, suppressed }, what);
    else console.warn(`${what} (${suppressed} more since the last report):`, (err as Error | undefined)?.message ?? err);
  };
}

/**
 * Listens to an emitter's 'error' events (a queue or a connection that lost Redis) so they never crash
 * the process, and logs them at warn, at most once per `everyMs` per emitter (throttledWarn).
 */
export function logErrors(emitter: ErrorEmitter, log: Pick<Log, 'warn'> | undefined, what: string, everyMs = 30_000): void {
  emitter.on('error', throttledWarn(log, `${what}: error`, everyMs));
}
