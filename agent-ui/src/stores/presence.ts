import { defineStore } from 'pinia';
import type { Offer, Presence, PresenceState } from '../api/types';
import { routingApi } from '../api/workspace';
import { playChime } from '../lib/chime';
import { useSessionStore } from './session';

export interface PresenceDeps {
  /** emits on the /agent socket and resolves with the server's ack */
  request: (event: string, payload: unknown) => Promise<unknown>;
}

let deps: PresenceDeps = { request: async () => { throw new Error('not connected'); } };
export function setPresenceDeps(d: PresenceDeps): void {
  deps = d;
}

export const usePresenceStore = defineStore('presence', {
  state: () => ({
    presence: 'offline' as Presence,
    changing: false,
    error: null as string | null,
    offers: [] as Offer[],
    /** offers answered from this tab, so a late duplicate event does not bring them back */
    answered: [] as string[],
    sound: true,
    /** load per channel as the router counts it ("2/3"), null until the server told us */
    load: null as Record<string, string> | null,
    busy: false,
  }),
  getters: {
    currentOffer: (s) => s.offers[0] ?? null,
  },
  actions: {
    sync(p: Presence | undefined) {
      if (p) {
        this.presence = p;
        useSessionStore().setPresence(p);
      }
    },
    /** presence event / ack: presence, busy and load per channel from the router. */
    apply(state: Partial<PresenceState> | undefined): void {
      if (!state) return;
      this.sync(state.presence);
      if (state.load) this.load = state.load;
      if (state.busy !== undefined) this.busy = state.busy;
    },
    async refresh(): Promise<void> {
      try {
        this.apply(await routingApi.myPresence());
      } catch {
        // older server without the endpoint: the session's presence stands
      }
    },
    async setPresence(p: Presence): Promise<void> {
      const before = this.presence;
      this.changing = true;
      this.error = null;
      this.sync(p);
      try {
        const ack = (await deps.request('presence:set', { presence: p })) as { ok?: boolean; presence?: PresenceState; reason?: string } | undefined;
        if (ack && ack.ok === false) throw new Error(ack.reason ?? 'refused');
        if (ack?.presence) this.apply(ack.presence);
      } catch (err) {
        this.sync(before);
        this.error = (err as Error).message;
      } finally {
        this.changing = false;
      }
    },
    addOffer(o: Offer): void {
      if (!o?.offerId || this.answered.includes(o.offerId) || this.offers.some((x) => x.offerId === o.offerId)) return;
      if (new Date(o.expiresAt).getTime() <= Date.now()) return;
      this.offers.push({ ...o, receivedAt: o.receivedAt ?? Date.now() });
      if (this.sound) playChime();
    },
    removeOffer(offerId: string): void {
      this.offers = this.offers.filter((o) => o.offerId !== offerId);
    },
    /** Drops offers whose countdown ran out (the router times them out on its side). */
    expireOffers(now = Date.now()): void {
      this.offers = this.offers.filter((o) => new Date(o.expiresAt).getTime() > now);
    },
    async accept(offerId: string): Promise<{ ok: boolean; caseId?: number; reason?: string }> {
      this.answered.push(offerId);
      const offer = this.offers.find((o) => o.offerId === offerId);
      this.removeOffer(offerId);
      try {
        const ack = (await deps.request('offer:accept', { offerId })) as { ok?: boolean; caseId?: number; reason?: string } | undefined;
        if (ack && ack.ok === false) return { ok: false, reason: ack.reason };
        return { ok: true, caseId: ack?.caseId ?? offer?.case.id };
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
    },
    async decline(offerId: string): Promise<void> {
      this.answered.push(offerId);
      this.removeOffer(offerId);
      await deps.request('offer:decline', { offerId }).catch(() => {});
    },
    /** After a reload or reconnect: the server's list of my pending offers is the truth. */
    async resumeOffers(): Promise<void> {
      try {
        const offers = await routingApi.myOffers();
        this.offers = this.offers.filter((o) => offers.some((x) => x.offerId === o.offerId));
        for (const o of offers) this.addOffer(o);
      } catch {
        // the offers endpoint may be missing on an older server; live events still arrive
      }
    },
  },
});
