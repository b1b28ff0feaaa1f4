// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setPresenceDeps, usePresenceStore } from '../../agent-ui/src/stores/presence';
import { sortCases, useCasesStore } from '../../agent-ui/src/stores/cases';
import { mergeItems } from '../../agent-ui/src/stores/case-view';
import { useSessionStore } from '../../agent-ui/src/stores/session';
import type { CaseView, TimelineItem } from '../../agent-ui/src/api/types';

const base = (id: number, over: Partial<CaseView> = {}): CaseView =>
  ({ id, number: id, subject: '', status: 'open', priority: 'normal', type: 'question', channel: 'email', tags: [], assigneeId: 7, customerId: 1,
    firstResponseDueAt: null, resolutionDueAt: null, firstResponseAt: null, lastActivityAt: '2026-11-23T10:00:00.000Z', unread: false, mergedIntoId: null, ...over }) as CaseView;

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => vi.unstubAllGlobals());

describe('cases store', () => {
  it('sorts by the nearest SLA due time, then by last activity', () => {
    const list = sortCases([
      base(1, { lastActivityAt: '2026-11-23T12:00:00.000Z' }),
      base(2, { resolutionDueAt: '2026-11-24T10:00:00.000Z' }),
      base(3, { firstResponseDueAt: '2026-11-23T11:00:00.000Z', resolutionDueAt: '2026-11-25T10:00:00.000Z' }),
      base(4, { firstResponseDueAt: '2026-11-23T09:00:00.000Z', firstResponseAt: '2026-11-23T08:00:00.000Z', resolutionDueAt: '2026-11-26T10:00:00.000Z' }),
      base(5, { lastActivityAt: '2026-11-23T13:00:00.000Z' }),
    ]);
    expect(list.map((c) => c.id)).toEqual([3, 2, 4, 5, 1]);
  });

  it('puts a case a reminder brought back on top until it is opened', () => {
    const list = sortCases([
      base(1, { firstResponseDueAt: '2026-11-23T09:00:00.000Z' }),
      base(2, { reminderUnseen: true, resolutionDueAt: '2026-11-30T10:00:00.000Z' }),
    ]);
    expect(list.map((c) => c.id)).toEqual([2, 1]);
  });

  it('filters by channel and counts load per channel against capacity when the router has not said', () => {
    const session = useSessionStore();
    session.agent = { id: 7, capacity: { chat: 3, email: 5, sms: 0 } } as never;
    const cases = useCasesStore();
    cases.mine = [base(1, { channel: 'chat' }), base(2, { channel: 'chat', status: 'pending' }), base(3, { channel: 'email' })];
    cases.channelFilter = 'chat';
    expect(cases.visible.map((c) => c.id).sort()).toEqual([1, 2]);
    expect(cases.load).toEqual([
      { channel: 'chat', used: 2, max: 3 },
      { channel: 'email', used: 1, max: 5 },
    ]);
  });

  it('upsert keeps only my cases matching the status filter', () => {
    useSessionStore().agent = { id: 7 } as never;
    const cases = useCasesStore();
    cases.upsert(base(1));
    cases.upsert(base(2, { assigneeId: 8 }));
    expect(cases.mine.map((c) => c.id)).toEqual([1]);
    cases.upsert(base(1, { status: 'solved' }));
    expect(cases.mine).toEqual([]);
    cases.statusFilter = 'solved';
    cases.upsert(base(1, { status: 'solved' }));
    expect(cases.mine.map((c) => c.id)).toEqual([1]);
  });

  it('a case I can no longer open (moved away, merged) leaves my list; another failure keeps it and is logged', async () => {
    useSessionStore().agent = { id: 7 } as never;
    const cases = useCasesStore();
    cases.mine = [base(1), base(2)];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.stubGlobal('fetch', vi.fn(async (url: string) =>
      url.endsWith('/cases/1') ? new Response(JSON.stringify({ message: 'case not found' }), { status: 404 }) : new Response('upstream down', { status: 502 }),
    ));
    await cases.onCaseUpdated({ caseId: 1, status: 'open' });
    await cases.onCaseUpdated({ caseId: 2, status: 'open' });
    expect(cases.mine.map((c) => c.id)).toEqual([2]);
    expect(warn).toHaveBeenCalledWith('refreshing case 2 failed:', expect.objectContaining({ status: 502 }));
    warn.mockRestore();
  });
});

describe('presence store', () => {
  it('sets presence through the socket and keeps the server answer; rolls back when refused', async () => {
    const sent: unknown[] = [];
    setPresenceDeps({
      request: async (event, payload) => {
        sent.push([event, payload]);
        if ((payload as { presence: string }).presence === 'away') return { ok: false, reason: 'not allowed' };
        return { ok: true, presence: { presence: 'available', busy: false, load: { chat: '0/3' } } };
      },
    });
    useSessionStore().agent = { id: 7, presence: 'offline' } as never;
    const p = usePresenceStore();
    await p.setPresence('available');
    expect(p.presence).toBe('available');
    expect(p.load).toEqual({ chat: '0/3' });
    await p.setPresence('away');
    expect(p.presence).toBe('available');
    expect(p.error).toBe('not allowed');
    expect(sent).toEqual([['presence:set', { presence: 'available' }], ['presence:set', { presence: 'away' }]]);
  });

  it('goes Away with a break reason, and keeps the wrap-up end the server sends', async () => {
    const sent: unknown[] = [];
    setPresenceDeps({
      request: async (event, payload) => {
        sent.push([event, payload]);
        return { ok: true, presence: { presence: 'away', busy: false, load: {}, breakReasonId: 3, wrapUpUntil: null } };
      },
    });
    useSessionStore().agent = { id: 7, presence: 'available' } as never;
    const p = usePresenceStore();
    await p.setPresence('away', 3);
    expect(sent).toEqual([['presence:set', { presence: 'away', breakReasonId: 3 }]]);
    expect(p.breakReasonId).toBe(3);
    p.apply({ presence: 'wrap_up', busy: false, load: {}, breakReasonId: null, wrapUpUntil: '2026-03-02T09:05:00.000Z' });
    expect([p.presence, p.breakReasonId, p.wrapUpUntil]).toEqual(['wrap_up', null, '2026-03-02T09:05:00.000Z']);
  });

  it('accepting an offer returns its case; a late duplicate of the answered offer is ignored', async () => {
    setPresenceDeps({ request: async (event) => (event === 'offer:accept' ? { ok: true, caseId: 42 } : { ok: true }) });
    const p = usePresenceStore();
    p.sound = false;
    const o = { offerId: 'x', expiresAt: new Date(Date.now() + 20_000).toISOString(), case: { id: 42 }, customer: {} } as never;
    p.addOffer(o);
    expect(await p.accept('x')).toEqual({ ok: true, caseId: 42 });
    p.addOffer(o);
    expect(p.offers).toEqual([]);
  });

  it('an accept the router refuses (taken by someone else) reports the reason', async () => {
    setPresenceDeps({ request: async () => ({ ok: false, reason: 'rescinded' }) });
    const p = usePresenceStore();
    p.sound = false;
    p.addOffer({ offerId: 'y', expiresAt: new Date(Date.now() + 20_000).toISOString(), case: { id: 1 }, customer: {} } as never);
    expect(await p.accept('y')).toEqual({ ok: false, reason: 'rescinded' });
    expect(p.offers).toEqual([]);
  });

  it('an accept whose answer does not come is sent again (same offer id) and the card stays until the server answers', async () => {
    const sent: unknown[] = [];
    let calls = 0;
    let cardDuringRetry: string[] = [];
    setPresenceDeps({
      retryDelayMs: () => 5,
      request: async (event, payload) => {
        sent.push([event, payload]);
        calls++;
        if (calls === 1) throw new Error('operation has timed out');
        if (calls === 2) {
          cardDuringRetry = usePresenceStore().offers.map((o) => o.offerId);
          throw new Error('not connected');
        }
        if (calls === 3) return { ok: false, reason: 'error' }; // server up, database not yet
        return { ok: true, caseId: 77 };
      },
    });
    const p = usePresenceStore();
    p.sound = false;
    p.addOffer({ offerId: 'r1', expiresAt: new Date(Date.now() + 20_000).toISOString(), case: { id: 77 }, customer: {} } as never);
    const pending = p.accept('r1');
    // a rescind racing the retried accept, or the countdown ending, does not drop the card
    p.removeOffer('r1');
    p.expireOffers(Date.now() + 60_000);
    expect(p.offers.map((o) => o.offerId)).toEqual(['r1']);
    expect(await pending).toEqual({ ok: true, caseId: 77 });
    expect(cardDuringRetry).toEqual(['r1']);
    expect(sent).toEqual(Array(4).fill(['offer:accept', { offerId: 'r1' }]));
    expect(p.offers).toEqual([]);
    expect(p.accepting).toEqual([]);
  });

  it('drops offers whose time ran out', () => {
    const p = usePresenceStore();
    p.sound = false;
    p.addOffer({ offerId: 'z', expiresAt: new Date(Date.now() + 1000).toISOString(), case: { id: 1 }, customer: {} } as never);
    p.expireOffers(Date.now() + 2000);
    expect(p.offers).toEqual([]);
  });
});

describe('session store', () => {
  it('a 401 from any API call turns a signed-in session into "expired"', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) =>
      url.includes('/workspace/session')
        ? new Response(JSON.stringify({ agent: { id: 7, name: 'Alice' }, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }), { status: 200 })
        : new Response(JSON.stringify({ message: 'sign in required' }), { status: 401 }),
    ));
    const session = useSessionStore();
    expect(await session.restore()).toBe(true);
    expect(session.status).toBe('signedIn');
    await useCasesStore().loadMine();
    expect(session.status).toBe('expired');
  });

  it('expires by itself when the session end time passes', async () => {
    vi.useFakeTimers();
    try {
      vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ agent: { id: 7 }, expiresAt: new Date(Date.now() + 5000).toISOString() }), { status: 200 })));
      const session = useSessionStore();
      await session.restore();
      vi.advanceTimersByTime(5001);
      expect(session.status).toBe('expired');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('timeline merge', () => {
  it('dedupes by id and keeps oldest to newest', () => {
    const it = (id: number, min: number) => ({ id, createdAt: new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString() }) as TimelineItem;
    expect(mergeItems([it(3, 3), it(1, 1)], [it(2, 2), it(3, 3), it(4, 0)]).map((x) => x.id)).toEqual([4, 1, 2, 3]);
  });
});

describe('views store', () => {
  it('fetches view counts on a nudge only while something shows them, and once when they come back on screen', async () => {
    vi.useFakeTimers();
    try {
      const { viewsApi } = await import('../../agent-ui/src/api/views');
      const { useViewsStore, COUNTS_MIN_INTERVAL_MS } = await import('../../agent-ui/src/stores/views');
      const list = vi.spyOn(viewsApi, 'list').mockResolvedValue({ views: [] } as never);
      const views = useViewsStore();

      // an agent on "My cases": nudges cost nothing
      views.nudged();
      views.nudged();
      await vi.advanceTimersByTimeAsync(COUNTS_MIN_INTERVAL_MS + 1000);
      expect(list).not.toHaveBeenCalled();

      // the views list comes on screen: the stale counts are fetched once
      views.show();
      expect(list).toHaveBeenCalledTimes(1);
      // while shown, a nudge refreshes them (no more often than the minimum interval)
      await vi.advanceTimersByTimeAsync(COUNTS_MIN_INTERVAL_MS + 1000);
      views.nudged();
      await vi.advanceTimersByTimeAsync(COUNTS_MIN_INTERVAL_MS + 1000);
      expect(list).toHaveBeenCalledTimes(2);

      // off screen again
      views.hide();
      views.nudged();
      await vi.advanceTimersByTimeAsync(COUNTS_MIN_INTERVAL_MS + 1000);
      expect(list).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
