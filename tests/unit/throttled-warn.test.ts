import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttledWarn } from '../../server/src/lib/best-effort.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a failure that repeats every tick while an outage lasts', () => {
  it('is logged once per interval, with how many were left out since', () => {
    vi.useFakeTimers();
    const lines: { obj: { err: unknown; suppressed: number }; msg: string }[] = [];
    const warn = throttledWarn({ warn: (obj: never, msg: string) => void lines.push({ obj, msg }) } as never, 'ticks failed', 60_000);
    for (let i = 0; i < 5; i++) warn(new Error(`attempt ${i}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'ticks failed', obj: { suppressed: 0 } });
    vi.advanceTimersByTime(60_001);
    warn(new Error('later'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ msg: 'ticks failed', obj: { suppressed: 4 } });
    expect((lines[1]!.obj.err as Error).message).toBe('later');
  });
});
