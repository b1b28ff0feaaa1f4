import { defineStore } from 'pinia';
import { notificationsApi } from '../api/workspace';
import type { Notification } from '../api/types';
import { logFailure } from '../../../ui-shared/report';
import { i18n } from '../i18n';

/** The bell's line for one notice, in the UI's language. */
export function noticeTitle(n: Notification): string {
  const t = i18n.global.t;
  const ref = n.caseNumber != null ? `#${n.caseNumber}` : '';
  const actor = n.actorName ?? t('notifications.someone');
  switch (n.kind) {
    case 'mention':
      return t('notifications.mention', { actor, ref });
    case 'reassigned':
      if (!n.actorName) return t('notifications.reassignedSystem', { ref });
      return t(n.data.role === 'previous' ? 'notifications.reassignedAway' : 'notifications.reassignedToMe', { actor, ref });
    case 'rule':
      return ref ? t('notifications.rule', { ref }) : t('notifications.ruleNoCase');
    default:
      return t(`notifications.${n.kind}`, { ref });
  }
}

/** My profile → "browser notifications"; applied by admin/profile-prefs.ts. */
export const browserNotices = { enabled: false };

function showInBrowser(n: Notification): void {
  if (!browserNotices.enabled || typeof window === 'undefined' || !('Notification' in window) || window.Notification.permission !== 'granted') return;
  // only when the tab is not in front: in front, the bell's badge is enough
  if (typeof document !== 'undefined' && document.visibilityState === 'visible' && document.hasFocus()) return;
  const note = new window.Notification(noticeTitle(n), { body: n.text, tag: `notice-${n.id}` });
  note.onclick = () => {
    window.focus();
    if (n.caseId) window.location.assign(`/cases/${n.caseId}`);
  };
}

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
      showInBrowser(n);
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
