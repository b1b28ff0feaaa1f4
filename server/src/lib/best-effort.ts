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
