import { defineStore } from 'pinia';
import { authApi } from '../api/workspace';
import { ApiError, setUnauthorizedHandler } from '../api/http';
import type { Agent } from '../api/types';
import { logFailure } from '../../../ui-shared/report';

let expiryTimer: ReturnType<typeof setTimeout> | undefined;

type SessionStatus = 'unknown' | 'signedIn' | 'signedOut' | 'expired';

export const useSessionStore = defineStore('session', {
  state: () => ({
    agent: null as Agent | null,
    status: 'unknown' as SessionStatus,
    expiresAt: null as string | null,
    error: null as string | null,
  }),
  getters: {
    signedIn: (s) => s.status === 'signedIn' && !!s.agent,
    canSeeQueue: (s) => s.agent?.role === 'supervisor' || s.agent?.role === 'admin',
    handle: (s) => s.agent?.email.split('@')[0] ?? '',
  },
  actions: {
    /** Called once at start: is the session cookie still good? */
    async restore(): Promise<boolean> {
      setUnauthorizedHandler(() => this.expire());
      try {
        const s = await authApi.session();
        if (!s.agent) throw new Error('signed out');
        this.agent = s.agent;
        this.expiresAt = s.expiresAt;
        this.status = 'signedIn';
        this.scheduleExpiry();
        return true;
      } catch {
        if (this.status === 'signedIn') this.expire();
        else {
          this.agent = null;
          this.status = 'signedOut';
        }
        return false;
      }
    },
    async login(email: string, password: string): Promise<void> {
      this.error = null;
      try {
        const r = await authApi.login(email, password);
        this.agent = r.agent;
        this.expiresAt = r.expiresAt;
        this.status = 'signedIn';
        this.scheduleExpiry();
      } catch (err) {
        this.error = err instanceof ApiError && err.status === 429 ? 'login.rateLimited' : 'login.failed';
        throw err;
      }
    },
    async logout(): Promise<void> {
      clearTimeout(expiryTimer);
      // signed out here either way; the server's session ends at its expiry if this did not reach it
      await authApi.logout().catch(logFailure('signing out'));
      this.agent = null;
      this.status = 'signedOut';
    },
    /** The session has a fixed end: leave the workspace then rather than on the next failing request. */
    scheduleExpiry(): void {
      clearTimeout(expiryTimer);
      if (!this.expiresAt) return;
      const ms = new Date(this.expiresAt).getTime() - Date.now();
      if (ms < 2 ** 31) expiryTimer = setTimeout(() => this.expire(), Math.max(0, ms));
    },
    /** A 401 anywhere (or the socket refusing us) means the session ended on the server. */
    expire(): void {
      if (this.status !== 'signedIn') return;
      this.status = 'expired';
    },
    setPresence(p: Agent['presence']): void {
      if (this.agent) this.agent.presence = p;
    },
  },
});
