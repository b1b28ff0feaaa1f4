import type { Socket } from 'socket.io-client';

/**
 * Why a handshake was refused. The server refuses with "unauthorized"/"forbidden" when the session
 * is not good (never retry: sign in again), and with a retryable "unavailable" when it could not
 * decide (database restarting). socket.io-client retries neither by itself.
 */
export function refusalKind(err: { message?: string; data?: unknown }): 'unauthorized' | 'forbidden' | 'transient' {
  const m = err.message ?? '';
  if (/unauthori[sz]ed/i.test(m)) return 'unauthorized';
  if (/forbidden/i.test(m)) return 'forbidden';
  return 'transient';
}

/** Exponential backoff with jitter, at least what the server asked for, capped at 15 s. */
export function backoffMs(attempt: number, serverHintMs?: number, random = Math.random): number {
  const exp = Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
  return Math.max(serverHintMs ?? 0, Math.round(exp / 2 + random() * (exp / 2)));
}

/**
 * Keeps a socket trying after a transient refusal: socket.io-client only retries transport
 * failures (socket.active stays true); a refused handshake leaves it inactive until connect()
 * is called again. Returns a function that stops the retries.
 */
export function retryTransientRefusals(socket: Socket, onFatal: (kind: 'unauthorized' | 'forbidden') => void): () => void {
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  socket.on('connect', () => {
    attempt = 0;
  });
  socket.on('connect_error', (err: Error & { data?: { retryAfterMs?: number } }) => {
    if (socket.active) return; // transport failure: the manager's own reconnection runs
    const kind = refusalKind(err);
    if (kind !== 'transient') return onFatal(kind);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      socket.connect();
    }, backoffMs(attempt++, err.data?.retryAfterMs));
  });
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
