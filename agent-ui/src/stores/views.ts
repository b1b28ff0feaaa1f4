import { defineStore } from 'pinia';
import { viewsApi } from '../api/views';
import type { BulkAction, BulkResult, CaseFilter, CaseSort, CaseView, CaseViewEntry } from '../api/types';

/** Counts refetch at most this often, however many `views:changed` nudges arrive. */
export const COUNTS_MIN_INTERVAL_MS = 3000;
const PAGE = 50;

/** A filter with its empty fields dropped: what is saved and sent. */
export function compactFilter(f: CaseFilter): CaseFilter {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v) && !v.length) continue;
    out[k] = v;
  }
  return out as CaseFilter;
}

export const useViewsStore = defineStore('views', {
  state: () => ({
    views: [] as CaseViewEntry[],
    /** the view shown (a built-in key or "saved:<id>") */
    key: 'my_open' as string,
    /** the filter bar's contents; starts as the view's filter */
    filter: {} as CaseFilter,
    sort: 'due' as CaseSort,
    cases: [] as CaseView[],
    count: 0,
    loading: false,
    error: null as string | null,
    /** selected case ids (x, checkboxes) */
    selected: [] as number[],
    /** keyboard cursor in the list */
    cursor: 0,
    lastCounts: 0,
    /** the views page is on screen: a nudge refreshes its list too */
    active: false,
    countsTimer: null as ReturnType<typeof setTimeout> | null,
    /** components on screen that show the views (sidebar list, views page); none: nudges only mark the counts stale */
    shownBy: 0,
    stale: false,
  }),
  getters: {
    current(s): CaseViewEntry | undefined {
      return s.views.find((v) => v.key === s.key);
    },
    /** the filter bar differs from the view's saved filter or sort */
    dirty(): boolean {
      const v = this.current;
      return !!v && (JSON.stringify(compactFilter(this.filter)) !== JSON.stringify(compactFilter(v.filter)) || this.sort !== v.sort);
    },
  },
  actions: {
    async loadViews(): Promise<void> {
      this.lastCounts = Date.now();
      try {
        this.views = (await viewsApi.list()).views;
      } catch (err) {
        this.error = (err as Error).message;
      }
    },
    /**
     * A component showing the views came on screen. Counts that went stale meanwhile (or `load`) are fetched
     * now: while nothing shows them, nudges fetch nothing (a thousand agents on other tabs would otherwise
     * count every view every few seconds).
     */
    show(opts: { load?: boolean } = {}): void {
      this.shownBy++;
      if (opts.load || this.stale) {
        this.stale = false;
        void this.loadViews();
      }
    },
    hide(): void {
      this.shownBy = Math.max(0, this.shownBy - 1);
    },
    /** `views:changed`: refresh counts (and the list on screen) no more than every COUNTS_MIN_INTERVAL_MS, and only while shown. */
    nudged(): void {
      if (!this.shownBy) {
        this.stale = true;
        return;
      }
      if (this.countsTimer) return;
      const wait = Math.max(0, this.lastCounts + COUNTS_MIN_INTERVAL_MS - Date.now()) + Math.random() * 500;
      this.countsTimer = setTimeout(() => {
        this.countsTimer = null;
        void this.loadViews();
        if (this.active) void this.run(false);
      }, wait);
    },
    async open(key: string): Promise<void> {
      if (!this.views.length) await this.loadViews();
      const v = this.views.find((x) => x.key === key) ?? this.views[0];
      if (!v) return;
      this.key = v.key;
      this.filter = JSON.parse(JSON.stringify(v.filter));
      this.sort = v.sort;
      this.selected = [];
      this.cursor = 0;
      await this.run();
    },
    /** Runs the filter bar as it stands; `reset`: from the first page. */
    async run(reset = true): Promise<void> {
      this.loading = true;
      try {
        const r = await viewsApi.query({ filter: compactFilter(this.filter), sort: this.sort, limit: reset ? PAGE : Math.max(PAGE, this.cases.length) });
        this.cases = r.cases;
        this.count = r.count;
        this.error = null;
        const shown = new Set(r.cases.map((c) => c.id));
        this.selected = this.selected.filter((id) => shown.has(id));
        this.cursor = Math.min(this.cursor, Math.max(0, r.cases.length - 1));
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.loading = false;
      }
    },
    async more(): Promise<void> {
      const r = await viewsApi.query({ filter: compactFilter(this.filter), sort: this.sort, limit: PAGE, offset: this.cases.length });
      this.cases = [...this.cases, ...r.cases.filter((c) => !this.cases.some((x) => x.id === c.id))];
    },
    toggle(id: number): void {
      const i = this.selected.indexOf(id);
      if (i >= 0) this.selected.splice(i, 1);
      else this.selected.push(id);
    },
    selectAll(on: boolean): void {
      this.selected = on ? this.cases.map((c) => c.id) : [];
    },
    move(delta: number): void {
      if (!this.cases.length) return;
      this.cursor = Math.min(this.cases.length - 1, Math.max(0, this.cursor + delta));
    },
    async save(name: string, shared: boolean): Promise<CaseViewEntry> {
      const v = await viewsApi.create({ name, shared, filter: compactFilter(this.filter), sort: this.sort });
      await this.loadViews();
      this.key = v.key;
      return v;
    },
    async updateCurrent(): Promise<void> {
      const v = this.current;
      if (!v?.id) return;
      await viewsApi.update(v.id, { filter: compactFilter(this.filter), sort: this.sort });
      await this.loadViews();
    },
    async removeCurrent(): Promise<void> {
      const v = this.current;
      if (!v?.id) return;
      await viewsApi.remove(v.id);
      await this.loadViews();
      await this.open('my_open');
    },
    async bulk(action: BulkAction): Promise<BulkResult> {
      const r = await viewsApi.bulk([...this.selected], action);
      this.selected = r.results.filter((x) => !x.ok).map((x) => x.caseId);
      await Promise.all([this.run(false), this.loadViews()]);
      return r;
    },
  },
});
