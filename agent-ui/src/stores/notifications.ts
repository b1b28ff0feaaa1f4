import { defineStore } from 'pinia';
import { notificationsApi } from '../api/workspace';
import type { Notification } from '../api/types';
import { logFailure } from '../../../ui-shared/report';

export const useNotificationsStore = defineStore('notifications', {
  state: () => ({ items: [] as Notification[], toasts: [] as { id: number; text: string; kind: 'info' | 'error' | 'success'; caseId?: number }[] }),
  getters: {
    unread: (s) => s.items.filter((n) => !n.readAt).length,
  },
  actions: {
    async load(): Promise<void> {
      try {
        this.items = (await notificationsApi.list()).items;
      } catch (err) {
        // shown empty; realtime still adds new ones
        logFailure('loading notifications')(err);
      }
    },
    add(n: Notification): void {
      if (!n?.id || this.items.some((x) => x.id === n.id)) return;
      this.items.unshift({ ...n, readAt: n.readAt ?? null });
    },
    async markRead(id: number): Promise<void> {
      const n = this.items.find((x) => x.id === id);
      if (n && !n.readAt) n.readAt = new Date().toISOString();
      await notificationsApi.read(id).catch(logFailure(`marking notification ${id} read`));
    },
    async markAll(): Promise<void> {
      const now = new Date().toISOString();
      this.items.forEach((n) => (n.readAt ??= now));
      await notificationsApi.readAll().catch(logFailure('marking all notifications read'));
    },
    toast(text: string, kind: 'info' | 'error' | 'success' = 'info', caseId?: number): void {
      const id = Date.now() + Math.random();
      this.toasts.push({ id, text, kind, caseId });
      setTimeout(() => this.dismiss(id), kind === 'error' ? 8000 : 4000);
    },
    dismiss(id: number): void {
      this.toasts = this.toasts.filter((t) => t.id !== id);
    },
  },
});
