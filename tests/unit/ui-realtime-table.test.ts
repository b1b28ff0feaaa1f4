// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { dispatch, eventTable, SERVER_EVENTS, workspaceStores, type WorkspaceStores } from '../../agent-ui/src/realtime/event-table';
import type { CaseView, Offer, TimelineItem } from '../../agent-ui/src/api/types';

// The API the stores call back into, answered from memory: just enough server for the stores.
const serverCases = new Map<number, CaseView>();
function fakeServer() {
  return vi.fn(async (url: string) => {
    const m = /\/api\/v1\/cases\/(\d+)(\/timeline)?/.exec(url);
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (m && m[2]) return json({ items: [], nextBefore: null });
    if (m) return serverCases.has(Number(m[1])) ? json({ case: serverCases.get(Number(m[1])), links: [] }) : json({ message: 'case not found' }, 404);
    if (url.includes('/api/v1/cases?view=queue')) return json({ cases: [] });
    return json({ message: 'no route' }, 404);
  });
}

function caseView(id: number, over: Partial<CaseView> = {}): CaseView {
  return {
    id, number: 1000 + id, subject: `case ${id}`, status: 'open', priority: 'normal', type: 'question', channel: 'email', tags: [], language: null,
    queueId: 1, queueName: 'support', assigneeId: 7, assigneeName: 'Alice', customerId: 50, customerName: 'Maria', customerTier: 'standard',
    customerLanguage: 'en', routingState: 'assigned', firstQueuedAt: null, firstResponseDueAt: null, resolutionDueAt: null, firstResponseAt: null,
    solvedAt: null, pendingUntil: null, reminderFiredAt: null, reminderUnseen: false, slaBreachedAt: null, resolutionNote: null, mergedIntoId: null, lastActivityAt: '2026-11-23T10:00:00.000Z',
    createdAt: '2026-11-23T09:00:00.000Z', unread: false, lastMessage: null, ...over,
  };
}
function item(id: number, over: Partial<TimelineItem> = {}): TimelineItem {
  return {
    id, caseId: 1, caseNumber: 1001, channel: 'email', direction: 'inbound', kind: 'message', authorAgentId: null, authorName: null, from: 'maria@example.com',
    to: null, subject: null, text: `message ${id}`, html: null, deliveryStatus: 'received', deliveryError: null, deliveryAttempts: [], metadata: {}, attachments: [],
    createdAt: new Date(Date.UTC(2026, 10, 23, 10, id)).toISOString(), ...over,
  };
}
function offer(id: string, secondsLeft = 20): Offer {
  return {
    offerId: id,
    expiresAt: new Date(Date.now() + secondsLeft * 1000).toISOString(),
    case: { id: 9, number: 1009, subject: 'Router down', channel: 'chat', priority: 'high', type: 'incident', queue: { id: 1, name: 'support' }, waitingSeconds: 12 },
    customer: { id: 50, name: 'Maria', tier: 'vip' },
  };
}

let s: WorkspaceStores;
beforeEach(() => {
  setActivePinia(createPinia());
  serverCases.clear();
  vi.stubGlobal('fetch', fakeServer());
  s = workspaceStores();
  s.session.agent = { id: 7, email: 'alice@example.test', name: 'Alice', role: 'agent', language: 'en', skills: [], capacity: { chat: 3, email: 5 }, presence: 'available' };
  s.session.status = 'signedIn';
});
afterEach(() => vi.unstubAllGlobals());

describe('realtime event table', () => {
  it('names one store action per server event of the /agent contract', () => {
    expect(SERVER_EVENTS.sort()).toEqual(
      ['call:updated', 'case:alert', 'case:updated', 'case:viewers', 'interaction:new', 'interaction:status', 'notification', 'offer', 'offer:rescinded', 'presence', 'queue:updated', 'typing', 'views:changed'].sort(),
    );
    expect(Object.values(eventTable).every((h) => typeof h === 'function')).toBe(true);
  });

  it('case:viewers shows who has the open case; another case’s viewers are not shown', () => {
    s.caseView.caseId = 5;
    dispatch('case:viewers', { caseId: 6, viewers: [{ agentId: 2, name: 'Bob' }] }, s);
    expect(s.caseView.viewers).toEqual([]);
    dispatch('case:viewers', { caseId: 5, viewers: [{ agentId: 7, name: 'Alice' }, { agentId: 2, name: 'Bob' }] }, s);
    expect(s.caseView.viewers.map((v) => v.name)).toEqual(['Alice', 'Bob']);
  });

  it('views:changed refetches the view counts once for a burst of nudges while the views list is shown', async () => {
    vi.useFakeTimers();
    const fetches = vi.fn(async () => new Response(JSON.stringify({ views: [] }), { status: 200, headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetches);
    s.views.show();
    await vi.advanceTimersByTimeAsync(4000);
    fetches.mockClear();
    for (let i = 0; i < 20; i++) dispatch('views:changed', { at: new Date().toISOString() }, s);
    await vi.advanceTimersByTimeAsync(4000);
    expect(fetches.mock.calls.filter((c) => String((c as unknown[])[0]) === '/api/v1/views')).toHaveLength(1);
    vi.useRealTimers();
  });

  it('ignores unknown events and empty payloads', () => {
    expect(dispatch('something:else', { x: 1 }, s)).toBe(false);
    expect(dispatch('offer', null, s)).toBe(false);
    expect(s.presence.offers).toEqual([]);
  });

  it('offer shows a card; offer:rescinded removes it; duplicates and expired offers are ignored', () => {
    dispatch('offer', offer('o-1'), s);
    dispatch('offer', offer('o-1'), s);
    dispatch('offer', offer('o-old', -1), s);
    expect(s.presence.offers.map((o) => o.offerId)).toEqual(['o-1']);
    expect(s.presence.currentOffer?.case.subject).toBe('Router down');
    dispatch('offer:rescinded', { offerId: 'o-1', caseId: 9, reason: 'timeout' }, s);
    expect(s.presence.offers).toEqual([]);
  });

  it('presence applies status, busy and load per channel from the router', () => {
    expect(s.presence.synced).toBe(false);
    dispatch('presence', { presence: 'away', busy: true, load: { chat: '3/3', email: '1/5' } }, s);
    expect(s.presence.synced).toBe(true);
    expect(s.presence.presence).toBe('away');
    expect(s.session.agent?.presence).toBe('away');
    expect(s.presence.busy).toBe(true);
    expect(s.cases.load).toEqual([
      { channel: 'chat', used: 3, max: 3 },
      { channel: 'email', used: 1, max: 5 },
    ]);
  });

  it('interaction:new appends to the open timeline (any case of the same customer) and marks other cases unread', () => {
    s.cases.mine = [caseView(1), caseView(2)];
    s.caseView.$patch((st) => Object.assign(st, { caseId: 1, current: caseView(1), items: [item(1)] }));
    s.cases.setActive(1);
    dispatch('interaction:new', { caseId: 1, interactionId: 2, interaction: item(2) }, s);
    dispatch('interaction:new', { caseId: 1, interactionId: 2, interaction: item(2) }, s); // replayed after a reconnect
    dispatch('interaction:new', { caseId: 3, customerId: 50, interactionId: 3, interaction: item(3, { caseId: 3, channel: 'sms' }) }, s);
    dispatch('interaction:new', { caseId: 4, customerId: 99, interactionId: 4, interaction: item(4, { caseId: 4 }) }, s);
    expect(s.caseView.items.map((i) => i.id)).toEqual([1, 2, 3]);
    dispatch('interaction:new', { caseId: 2, interactionId: 5, interaction: item(5, { caseId: 2 }) }, s);
    expect(s.cases.mine.find((c) => c.id === 2)?.unread).toBe(true);
    expect(s.cases.mine.find((c) => c.id === 1)?.unread).toBe(false);
  });

  it('interaction:status updates the delivery state of a reply', () => {
    s.caseView.$patch((st) => Object.assign(st, { caseId: 1, current: caseView(1), items: [item(8, { direction: 'outbound', deliveryStatus: 'queued' })] }));
    dispatch('interaction:status', { caseId: 1, interactionId: 8, status: 'failed', error: 'mailbox full' }, s);
    expect(s.caseView.items[0]).toMatchObject({ deliveryStatus: 'failed', deliveryError: 'mailbox full' });
  });

  it('case:updated applies the change at once, then the refetched case moves in or out of "my cases"', async () => {
    s.cases.mine = [caseView(1)];
    serverCases.set(1, caseView(1, { status: 'solved' }));
    dispatch('case:updated', { caseId: 1, status: 'solved', assigneeId: 7 }, s);
    expect(s.cases.mine[0]?.status).toBe('solved');
    await vi.waitFor(() => expect(s.cases.mine).toEqual([]));

    // a case transferred to me appears
    serverCases.set(2, caseView(2, { assigneeId: 7 }));
    dispatch('case:updated', { caseId: 2, status: 'open', assigneeId: 7, event: 'transferred' }, s);
    await vi.waitFor(() => expect(s.cases.mine.map((c) => c.id)).toEqual([2]));
  });

  it('typing shows an indicator on the open case only, and clears itself', async () => {
    vi.useFakeTimers();
    try {
      s.caseView.$patch((st) => Object.assign(st, { caseId: 1, current: caseView(1) }));
      dispatch('typing', { caseId: 2, from: 'customer', typing: true }, s);
      expect(s.caseView.typing).toBeNull();
      dispatch('typing', { caseId: 1, from: 'customer', typing: true }, s);
      expect(s.caseView.typing?.from).toBe('customer');
      vi.advanceTimersByTime(6500);
      expect(s.caseView.typing).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('notification adds a mention once', () => {
    const n = { id: 3, agentId: 7, caseId: 1, caseNumber: 1001, interactionId: 8, actorName: 'Bob', text: '@alice look', createdAt: new Date().toISOString() };
    dispatch('notification', n, s);
    dispatch('notification', n, s);
    expect(s.notifications.items).toHaveLength(1);
    expect(s.notifications.unread).toBe(1);
  });
});
