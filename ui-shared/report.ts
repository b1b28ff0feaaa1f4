// Failures the person at the screen need not act on (a read marker, a chime, a sign-out request whose
// session ends anyway) are still written to the browser console, so nothing fails without a trace.

/** A `.catch` handler that says what failed: `promise.catch(logFailure('marking the case read'))`. */
export function logFailure(what: string): (err: unknown) => void {
  return (err) => console.warn(`${what} failed:`, err);
}

/** True for the rejection of a fetch cancelled on purpose (AbortController), which is no failure. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException ? err.name === 'AbortError' : (err as { name?: string } | null)?.name === 'AbortError';
}
