import { describe, expect, it } from 'vitest';
import { startDrainLoop } from '../../server/src/lib/drain-loop.js';
import type { Log } from '../../server/src/lib/log.js';

// The workers' backlog loop (automation inbox, search indexer): batch after batch until one is empty, a failure
// logged and left to the next tick, and stop waiting for the batch in progress.
function recordingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  const log = { warnings, warn: (_o: unknown, msg: string) => void warnings.push(msg) } as unknown as Log & { warnings: string[] };
  return log;
}

describe('drain loop', () => {
  it('works off a backlog batch after batch until one is empty', async () => {
    const batches = [50, 50, 7, 0, 0];
    let calls = 0;
    let emptied!: () => void;
    const empty = new Promise<void>((resolve) => (emptied = resolve));
    const log = recordingLog();
    const stop = startDrainLoop({
      drain: async () => {
        const n = batches[calls++] ?? 0;
        if (n === 0) emptied();
        return n;
      },
      intervalMs: 3_600_000,
      log,
      failure: 'indexing failed',
    });
    await empty;
    await stop();
    expect(calls).toBe(4);
    expect(log.warnings).toEqual([]);
  });

  it('stop waits for the batch in progress and starts no other', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let finished = false;
    const stop = startDrainLoop({
      drain: async () => {
        calls++;
        await gate;
        finished = true;
        return 10;
      },
      intervalMs: 3_600_000,
      log: recordingLog(),
      failure: 'indexing failed',
    });
    const stopped = stop().then(() => finished);
    release();
    expect(await stopped).toBe(true);
    expect(calls).toBe(1);
  });

  it('says what failed instead of dropping it', async () => {
    const log = recordingLog();
    const stop = startDrainLoop({ drain: () => Promise.reject(new Error('redis down')), intervalMs: 3_600_000, log, failure: 'automation: reading the inbox failed; will retry' });
    await stop();
    expect(log.warnings).toEqual(['automation: reading the inbox failed; will retry']);
  });
});
