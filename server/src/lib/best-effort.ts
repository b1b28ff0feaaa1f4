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
 * Listens to an emitter's 'error' events (a queue or a connection that lost Redis) so they never crash
 * the process, and logs them at warn — at most once per `everyMs` per emitter, so an outage is in the log
 * without one line per reconnect attempt. Without a logger the warning goes to stderr.
 */
export function logErrors(emitter: ErrorEmitter, log: Pick<Log, 'warn'> | undefined, what: string, everyMs = 30_000): void {
  let last = -Infinity;
  let quiet = 0;
  emitter.on('error', (err: Error) => {
    const now = Date.now();
    if (now - last < everyMs) {
      quiet++;
      return;
    }
    const suppressed = quiet;
    last = now;
    quiet = 0;
    if (log) log.warn({ err, suppressed }, `${what}: error`);
    else console.warn(`${what}: error (${suppressed} more since the last report):`, err?.message ?? err);
  });
}
