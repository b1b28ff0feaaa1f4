import type { Log } from './log.js';

/**
 * A worker's polling loop over a backlog: `drain` does one batch and says how many it did; a tick drains batch
 * after batch until one is empty, then the loop waits `intervalMs`. Never two drains at once; a failed drain is
 * logged (`failure` says what failed and what follows) and the next tick tries again. The returned stop waits for
 * a drain in progress.
 */
export function startDrainLoop(o: { drain: () => Promise<number>; intervalMs: number; log: Log; failure: string }): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        while (!stopped && (await o.drain()) > 0);
      } catch (err) {
        o.log.warn({ err }, o.failure);
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, o.intervalMs);
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
