import { describe, expect, it } from 'vitest';
import { presenceToSend } from '../../server/src/lifecycle/effects.js';
import { presenceOfRow } from '../../server/src/routing/load.js';

const ready = (agentId: number, presence: 'available' | 'away') => ({
  agentId,
  payload: presenceOfRow({ presence, capacity: { chat: 3 }, used: { chat: 1 } }),
});

describe('presence events after a transition', () => {
  it('one per agent, first-mention order; a ready payload only when nothing asks for a read after commit', () => {
    const out = presenceToSend([7, ready(3, 'available'), 7, ready(5, 'away'), 5, ready(9, 'away'), ready(9, 'available')]);
    expect([...out.keys()]).toEqual([7, 3, 5, 9]);
    expect(out.get(7)).toBeUndefined();
    expect(out.get(3)?.presence).toBe('available');
    // a plain entry, before or after, may stand for a later change: read after commit
    expect(out.get(5)).toBeUndefined();
    expect(presenceToSend([5, ready(5, 'away')]).get(5)).toBeUndefined();
    // ready ones only: the last
    expect(out.get(9)?.presence).toBe('available');
  });

  it('a row becomes the event the read after commit would send', () => {
    expect(presenceOfRow({ presence: 'available', break_reason_id: null, wrap_up_until: null, capacity: { voice: 1, chat: 3 }, used: { chat: 3 } })).toMatchObject({
      presence: 'available',
      busy: true,
      breakReasonId: null,
      wrapUpUntil: null,
    });
    expect(presenceOfRow({ presence: 'away', break_reason_id: '4', wrap_up_until: new Date('2026-01-01T00:00:00Z') })).toMatchObject({
      breakReasonId: 4,
      wrapUpUntil: '2026-01-01T00:00:00.000Z',
    });
    expect(presenceOfRow(undefined).presence).toBe('offline');
  });
});
