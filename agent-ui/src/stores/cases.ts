import { defineStore } from 'pinia';
import { casesApi } from '../api/workspace';
import { ApiError } from '../api/http';
import { logFailure } from '../../../ui-shared/report';
import { CHANNELS, type CaseView, type Channel } from '../api/types';
import { useSessionStore } from './session';
import { usePresenceStore } from './presence';

export type StatusFilter = 'active' | 'all' | 'new' | 'open' | 'pending' | 'solved';

const ACTIVE = ['new', 'open', 'pending'];
const LOAD_STATUSES = ['new', 'open', 'pending'];

/** Sort used everywhere for "my cases": cases a reminder brought back first, then nearest SLA due, then most recent activity. */
export function caseSortKey(c: CaseView): number {
  const dues = [c.firstResponseAt ? null : c.firstResponseDueAt, c.resolutionDueAt].filter((x): x is string => !!x).map((x) => new Date(x).getTime());
  return dues.length && ACTIVE.includes(c.status) ? Math.min(...dues) : Number.MAX_SAFE_INTEGER;
}
export function sortCases(list: CaseView[]): CaseView[] {
  return [...list].sort((a, b) => (b.reminderUnseen ? 1 : 0) - (a.reminderUnseen ? 1 : 0) || caseSortKey(a) - caseSortKey(b) || b.lastActivityAt.localeCompare(a.lastActivityAt));
}

export const useCasesStore = defineStore('cases', {
  state: () => ({
    mine: [] as CaseView[],
    statusFilter: 'active' as StatusFilter,
    channelFilter: '' as Channel | '',
    loading: false,
    queue: [] as CaseView[],
    queueId: null as number | null,
    queueLoading: false,
    /** cases waiting for an agent, as the router last announced (everyone sees the number) */
    waiting: null as number | null,
    queueReloadPending: false,
    /** the case open in the main panel: new messages there are not "unread" */
    activeCaseId: null as number | null,
    error: null as string | null,
  }),
  getters: {
    visible(s): CaseView[] {
      return sortCases(s.mine.filter((c) => !s.channelFilter || c.channel === s.channelFilter));
    },
    unreadCount: (s) => s.mine.filter((c) => c.unread).length,
    /** Open work per channel against the agent's capacity, e.g. chats 2/3 (the router's count when known). */
    load(s): { channel: Channel; used: number; max: number }[] {
      const server = usePresenceStore().load;
      if (server) {
        return CHANNELS.filter((ch) => server[ch] && (ch !== 'api' || s.mine.some((c) => c.channel === 'api'))).map((ch) => {
          const [used, max] = server[ch]!.split('/').map(Number);
          return { channel: ch, used: used ?? 0, max: max ?? 0 };
        }).filter((l) => l.max > 0);
      }
      const cap = useSessionStore().agent?.capacity ?? {};
      return CHANNELS.filter((ch) => (cap[ch] ?? 0) > 0 && (ch !== 'api' || s.mine.some((c) => c.channel === 'api'))).map((ch) => ({
        channel: ch,
        used: s.mine.filter((c) => c.channel === ch && LOAD_STATUSES.includes(c.status)).length,
        max: cap[ch] ?? 0,
      }));
    },
  },
  actions: {
    statusParam(): string[] | undefined {
      if (this.statusFilter === 'active') return undefined;
      if (this.statusFilter === 'all') return ['new', 'open', 'pending', 'solved', 'closed'];
      return [this.statusFilter];
    },
    async loadMine(): Promise<void> {
      this.loading = true;
      try {
        this.mine = (await casesApi.mine({ status: this.statusParam() })).cases;
        this.error = null;
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.loading = false;
      }
    },
    /** Queue changes can come in bursts: at most one load in flight and one queued behind it. */
    async loadQueue(): Promise<void> {
      if (!useSessionStore().canSeeQueue) return;
      if (this.queueLoading) {
        this.queueReloadPending = true;
        return;
      }
      this.queueLoading = true;
      try {
        this.queue = (await casesApi.queue(this.queueId)).cases;
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.queueLoading = false;
      }
      if (this.queueReloadPending) {
        this.queueReloadPending = false;
        await this.loadQueue();
      }
    },
    matchesFilter(c: CaseView): boolean {
      const st = this.statusParam();
      return st ? st.includes(c.status) : ACTIVE.includes(c.status);
    },
    /** Puts a fresh copy of a case into the list (or takes it out when it no longer belongs there). */
    upsert(c: CaseView): void {
      const me = useSessionStore().agent?.id;
      const i = this.mine.findIndex((x) => x.id === c.id);
      const belongs = c.assigneeId === me && this.matchesFilter(c) && !c.mergedIntoId;
      if (i >= 0 && belongs) this.mine.splice(i, 1, { ...c, unread: c.id === this.activeCaseId ? false : c.unread });
      else if (i >= 0) this.mine.splice(i, 1);
      else if (belongs) this.mine.push(c);
    },
    /** case:updated — apply what the event says now, then refetch the full case. */
    async onCaseUpdated(p: { caseId: number; status?: string; priority?: string; assigneeId?: number | null }): Promise<void> {
      const me = useSessionStore().agent?.id;
      const existing = this.mine.find((c) => c.id === p.caseId);
      if (existing) {
        if (p.status) existing.status = p.status as CaseView['status'];
        if (p.priority) existing.priority = p.priority as CaseView['priority'];
        if (p.assigneeId !== undefined) existing.assigneeId = p.assigneeId;
      }
      if (existing || p.assigneeId === me || p.assigneeId === undefined) {
        try {
          this.upsert((await casesApi.get(p.caseId)).case);
        } catch (err) {
          // no longer visible to me (moved to a queue I am not in, merged away): it leaves my lists
          if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
            this.mine = this.mine.filter((c) => c.id !== p.caseId);
            this.queue = this.queue.filter((c) => c.id !== p.caseId);
          } else logFailure(`refreshing case ${p.caseId}`)(err);
        }
      }
      if (this.queue.some((c) => c.id === p.caseId) || p.assigneeId === null) void this.loadQueue();
    },
    /** interaction:new — the case moves up and shows an unread marker unless it is open. */
    onInteraction(p: { caseId: number; interaction?: { direction?: string; createdAt?: string } }): void {
      const c = this.mine.find((x) => x.id === p.caseId);
      if (!c) return;
      c.lastActivityAt = p.interaction?.createdAt ?? new Date().toISOString();
      if (p.interaction?.direction === 'inbound' && p.caseId !== this.activeCaseId) c.unread = true;
    },
    setActive(caseId: number | null): void {
      this.activeCaseId = caseId;
      const c = this.mine.find((x) => x.id === caseId);
      if (c) c.unread = false;
    },
  },
});
