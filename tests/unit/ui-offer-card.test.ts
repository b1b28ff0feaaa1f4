// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, flushPromises, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createRouter, createMemoryHistory, type Router } from 'vue-router';
import OfferCard from '../../agent-ui/src/components/OfferCard.vue';
import { i18n, applyLocale } from '../../agent-ui/src/i18n';
import { setPresenceDeps, usePresenceStore } from '../../agent-ui/src/stores/presence';
import { dispatch, workspaceStores } from '../../agent-ui/src/realtime/event-table';
import type { Offer } from '../../agent-ui/src/api/types';

const offer = (id: string, seconds = 20): Offer => ({
  offerId: id,
  expiresAt: new Date(Date.now() + seconds * 1000).toISOString(),
  case: { id: 42, number: 1042, subject: 'Internet down since morning', channel: 'sms', priority: 'high', type: 'incident', queue: { id: 1, name: 'support' }, waitingSeconds: 95 },
  customer: { id: 5, name: 'Tom Becker', tier: 'vip' },
});

let pinia: Pinia;
let router: Router;
let wrapper: VueWrapper | null = null;
let sent: [string, unknown][];

beforeEach(async () => {
  pinia = createPinia();
  setActivePinia(pinia);
  sent = [];
  setPresenceDeps({ request: async (event, payload) => (sent.push([event, payload]), event === 'offer:accept' ? { ok: true, caseId: 42 } : { ok: true }) });
  router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { template: '<div/>' } }, { path: '/cases/:id', component: { template: '<div/>' } }] });
  await router.push('/');
  applyLocale('en');
  usePresenceStore().sound = false;
  wrapper = mount(OfferCard, { global: { plugins: [pinia, router, i18n] }, attachTo: document.body });
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
});

const key = (k: string, target: EventTarget = window) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, code: `Key${k.toUpperCase()}`, bubbles: true }));

describe('incoming offer card', () => {
  it('shows channel, customer, subject, priority, wait time and a countdown', async () => {
    dispatch('offer', offer('o1'), workspaceStores());
    await flushPromises();
    const text = wrapper!.get('[data-testid="offer-card"]').text();
    expect(text).toContain('Incoming SMS');
    expect(text).toContain('Tom Becker');
    expect(text).toContain('#1042');
    expect(text).toContain('Internet down since morning');
    expect(text).toContain('High');
    expect(text).toContain('VIP');
    expect(text).toMatch(/Waiting 1m 3\ds/);
    expect(text).toMatch(/Respond within (19|20)s/);
  });

  it('A accepts and opens the case', async () => {
    dispatch('offer', offer('o2'), workspaceStores());
    await flushPromises();
    key('a');
    await flushPromises();
    await router.isReady();
    expect(sent).toEqual([['offer:accept', { offerId: 'o2' }]]);
    expect(router.currentRoute.value.fullPath).toBe('/cases/42');
    expect(wrapper!.find('[data-testid="offer-card"]').exists()).toBe(false);
  });

  it('D declines; letters typed into a text field do not answer the offer', async () => {
    dispatch('offer', offer('o3'), workspaceStores());
    await flushPromises();
    const input = document.createElement('input');
    document.body.appendChild(input);
    key('d', input);
    await flushPromises();
    expect(sent).toEqual([]);
    key('d');
    await flushPromises();
    expect(sent).toEqual([['offer:decline', { offerId: 'o3' }]]);
    expect(wrapper!.find('[data-testid="offer-card"]').exists()).toBe(false);
    input.remove();
  });

  it('disappears when the offer is rescinded, and renders in Persian right to left', async () => {
    applyLocale('fa');
    dispatch('offer', offer('o4'), workspaceStores());
    await flushPromises();
    expect(document.documentElement.dir).toBe('rtl');
    expect(wrapper!.get('[data-testid="offer-card"]').text()).toContain('پذیرش');
    dispatch('offer:rescinded', { offerId: 'o4', caseId: 42, reason: 'timeout' }, workspaceStores());
    await flushPromises();
    expect(wrapper!.find('[data-testid="offer-card"]').exists()).toBe(false);
    applyLocale('en');
  });
});
