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
 * For shutdown: waits for `p` (errors ignored) but gives up after `ms`, e.g. a graceful close that
 * would hang while Redis or a mail server is unreachable. Clears its timer so exit is not delayed.
 */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(p, ms).catch(() => {});
}
