import { defineStore } from 'pinia';
import { casesApi, customersApi } from '../api/workspace';
import type { CaseLink, CaseView, CaseViewer, CustomerProfile, DeliveryAttempt, ReplyBody, TimelineItem } from '../api/types';
import { useCasesStore } from './cases';
import { logFailure } from '../../../ui-shared/report';

export interface WatchDeps {
  watch: (caseId: number) => void;
  unwatch: (caseId: number) => void;
  typing: (caseId: number, typing: boolean) => void;
  /** tells the chat visitor we have read up to an interaction */
  chatRead: (caseId: number, upToId: number) => void;
}
let watchDeps: WatchDeps = { watch: () => {}, unwatch: () => {}, typing: () => {}, chatRead: () => {} };
export function setWatchDeps(d: WatchDeps): void {
  watchDeps = d;
}

/** Merges timeline entries by id and keeps them oldest → newest (the order the agent reads). */
export function mergeItems(existing: TimelineItem[], incoming: TimelineItem[]): TimelineItem[] {
  const byId = new Map(existing.map((i) => [i.id, i]));
  for (const i of incoming) byId.set(i.id, { ...byId.get(i.id), ...i });
  return [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
}

export const useCaseViewStore = defineStore('caseView', {
  state: () => ({
    caseId: null as number | null,
    current: null as CaseView | null,
    links: [] as CaseLink[],
    customer: null as CustomerProfile | null,
    items: [] as TimelineItem[],
    nextBefore: null as string | null,
    loading: false,
    loadingOlder: false,
    notFound: false,
    /** who is typing on this case right now (customer or a colleague), until when */
    typing: null as { from: string; name?: string; until: number } | null,
    /** text other panels (KB, canned) ask the composer to insert */
    insertRequest: null as { text: string; seq: number } | null,
    /** incremented when a new entry arrives, so the timeline can scroll to it */
    arrivals: 0,
    /** who has this case open right now (this agent included), live over the socket */
    viewers: [] as CaseViewer[],
  }),
  getters: {
    ref: (s) => (s.current ? `#${s.current.number}` : ''),
  },
  actions: {
    async open(caseId: number): Promise<void> {
      if (this.caseId && this.caseId !== caseId) watchDeps.unwatch(this.caseId);
      this.$patch({ caseId, current: null, links: [], customer: null, items: [], nextBefore: null, notFound: false, typing: null, loading: true, viewers: [] });
      useCasesStore().setActive(caseId);
      watchDeps.watch(caseId);
      try {
        const [c, page] = await Promise.all([casesApi.get(caseId), casesApi.timeline(caseId)]);
        if (this.caseId !== caseId) return;
        this.current = c.case;
        this.links = c.links;
        this.items = mergeItems([], page.items);
        this.nextBefore = page.nextBefore;
        this.markChatRead();
        void this.loadCustomer();
      } catch (err) {
        if ((err as { status?: number }).status === 404) this.notFound = true;
        else throw err;
      } finally {
        this.loading = false;
      }
    },
    close(): void {
      if (this.caseId) watchDeps.unwatch(this.caseId);
      this.$reset();
      useCasesStore().setActive(null);
    },
    async loadCustomer(): Promise<void> {
      if (!this.current) return;
      this.customer = await customersApi.get(this.current.customerId);
    },
    async loadOlder(): Promise<number> {
      if (!this.caseId || !this.nextBefore || this.loadingOlder) return 0;
      this.loadingOlder = true;
      try {
        const page = await casesApi.timeline(this.caseId, this.nextBefore);
        this.items = mergeItems(this.items, page.items);
        this.nextBefore = page.nextBefore;
        return page.items.length;
      } finally {
        this.loadingOlder = false;
      }
    },
    /** Fetches the newest page and merges it: after sending, and after a reconnect. */
    async refreshNewest(): Promise<void> {
      if (!this.caseId) return;
      const id = this.caseId;
      const [c, page] = await Promise.all([casesApi.get(id), casesApi.timeline(id)]);
      if (this.caseId !== id) return;
      this.current = c.case;
      this.links = c.links;
      const before = this.items.length;
      this.items = mergeItems(this.items, page.items);
      if (this.items.length !== before) this.arrivals++;
    },
    async refreshCase(): Promise<void> {
      if (!this.caseId) return;
      const c = await casesApi.get(this.caseId);
      this.current = c.case;
      this.links = c.links;
      useCasesStore().upsert(c.case);
    },
    setCase(c: CaseView): void {
      if (c.id === this.caseId) this.current = c;
      useCasesStore().upsert(c);
    },
    /** interaction:new — belongs here if it is this customer's (any case, any channel). */
    onInteraction(p: { caseId: number; customerId?: number; interaction?: TimelineItem }): void {
      if (!this.current) return;
      const mine = p.caseId === this.current.id || (p.customerId != null && p.customerId === this.current.customerId);
      if (!mine) return;
      if (p.interaction) {
        this.items = mergeItems(this.items, [p.interaction]);
        this.arrivals++;
        if (p.interaction.direction === 'inbound') {
          this.typing = null;
          this.markChatRead();
          // the agent is looking at it: not unread for them
          if (p.caseId === this.current.id) void casesApi.markRead(p.caseId).catch(logFailure(`marking case ${p.caseId} read`));
        }
      } else {
        void this.refreshNewest();
      }
    },
    /** interaction:status — delivery progress of a reply (sent, delivered, failed + reason). */
    onDeliveryStatus(p: { caseId?: number; interactionId: number; status: string; error?: string | null; attempts?: DeliveryAttempt[] }): void {
      const i = this.items.find((x) => x.id === p.interactionId);
      if (i) {
        i.deliveryStatus = p.status;
        i.deliveryError = p.error ?? null;
        if (p.attempts) i.deliveryAttempts = p.attempts;
      }
    },
    onTyping(p: { caseId: number; from?: string; name?: string; typing: boolean }): void {
      if (p.caseId !== this.caseId) return;
      const until = Date.now() + 6000;
      this.typing = p.typing ? { from: p.from ?? 'customer', name: p.name, until } : null;
      // a lost "stopped typing" must not leave the indicator on forever
      if (p.typing) setTimeout(() => this.typing?.until === until && (this.typing = null), 6100);
    },
    onViewers(p: { caseId: number; viewers: CaseViewer[] }): void {
      if (p.caseId === this.caseId) this.viewers = p.viewers;
    },
    /** The newest entry of this case the agent has on screen: a draft begun now has seen up to it. */
    newestSeenId(): number {
      return this.items.filter((i) => i.caseId === this.caseId).reduce((m, i) => Math.max(m, i.id), 0);
    },
    markChatRead(): void {
      const c = this.current;
      if (!c || c.channel !== 'chat') return;
      const last = [...this.items].reverse().find((i) => i.caseId === c.id && i.direction === 'inbound');
      if (last) watchDeps.chatRead(c.id, last.id);
    },
    sendTyping(typing: boolean): void {
      if (this.caseId) watchDeps.typing(this.caseId, typing);
    },
    async reply(body: ReplyBody): Promise<{ interactionId: number }> {
      if (!this.caseId) throw new Error('no case');
      const r = await casesApi.reply(this.caseId, body);
      await this.refreshNewest();
      return r;
    },
    requestInsert(text: string): void {
      this.insertRequest = { text, seq: (this.insertRequest?.seq ?? 0) + 1 };
    },
  },
});
