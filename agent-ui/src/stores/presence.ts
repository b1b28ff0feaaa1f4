import { defineStore } from 'pinia';
import type { Offer, Presence, PresenceState } from '../api/types';
import type { SettablePresence } from '../../../server/src/contracts/vocabulary';
import { routingApi } from '../api/workspace';
import { playChime } from '../lib/chime';
import { logFailure } from '../../../ui-shared/report';
import { useSessionStore } from './session';
import type { AgentClientEvents } from '../../../server/src/contracts/realtime';

export interface PresenceDeps {
  /** emits on the /agent socket and resolves with the server's ack */
  request: <E extends 'presence:set' | 'offer:accept' | 'offer:decline'>(event: E, payload: Parameters<AgentClientEvents[E]>[0]) => Promise<unknown>;
  /** wait before the n-th retry of an accept whose answer did not come (tests shorten it) */
  retryDelayMs?: (n: number) => number;
}

let deps: PresenceDeps = { request: async () => { throw new Error('not connected'); } };
export function setPresenceDeps(d: PresenceDeps): void {
  deps = d;
}

/** An accept is retried this long past the offer's expiry: the server still answers (and forgives the late answer). */
const ACCEPT_RETRY_PAST_EXPIRY_MS = 30_000;
const defaultRetryDelay = (n: number) => Math.min(4000, 300 * 2 ** n);

export const usePresenceStore = defineStore('presence', {
  state: () => ({
    presence: 'offline' as Presence,
    changing: false,
    error: null as string | null,
    offers: [] as Offer[],
    /** offers answered from this tab, so a late duplicate event does not bring them back */
    answered: [] as string[],
    /** offers whose accept is on its way (or being retried): their card stays until the server answers */
    accepting: [] as string[],
    sound: true,
    /** load per channel as the router counts it ("2/3"), null until the server told us */
    load: null as Record<string, string> | null,
    busy: false,
    /** Away: the break reason named; wrap-up: when it ends (the top bar counts down to it) */
    breakReasonId: null as number | null,
    wrapUpUntil: null as string | null,
    /**
     * false from (re)connecting until the router's snapshot arrives: a switch before that could be
     * overwritten by the older snapshot, so the switch waits for it.
     */
    synced: false,
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
      if (state.breakReasonId !== undefined) this.breakReasonId = state.breakReasonId;
      if (state.wrapUpUntil !== undefined) this.wrapUpUntil = state.wrapUpUntil;
      if (state.load) this.load = state.load;
      if (state.busy !== undefined) this.busy = state.busy;
    },
    async refresh(): Promise<void> {
      try {
        this.apply(await routingApi.myPresence());
      } catch (err) {
        // the session's presence stands until the next presence event
        logFailure('reading my presence')(err);
      }
    },
    /** Available (also "Ready" after a wrap-up), Away with an optional break reason, or Offline. */
    async setPresence(p: SettablePresence, breakReasonId: number | null = null): Promise<void> {
      const before = this.presence;
      this.changing = true;
      this.error = null;
      this.sync(p);
      try {
        const ack = (await deps.request('presence:set', { presence: p, ...(breakReasonId !== null ? { breakReasonId } : {}) })) as { ok?: boolean; presence?: PresenceState; reason?: string } | undefined;
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
      // an offer being accepted leaves when the server answered the accept, not on a rescind racing it
      if (this.accepting.includes(offerId)) return;
      this.offers = this.offers.filter((o) => o.offerId !== offerId);
    },
    /** Drops offers whose countdown ran out (the router times them out on its side). */
    expireOffers(now = Date.now()): void {
      this.offers = this.offers.filter((o) => this.accepting.includes(o.offerId) || new Date(o.expiresAt).getTime() > now);
    },
    /**
     * Accepts an offer. The card stays (marked accepting) until the server answers: a request that
     * times out or finds no connection (server restarting, network blip) is sent again with backoff —
     * accepting is idempotent by offer id, and a late accept is not counted as a missed offer.
     */
    async accept(offerId: string): Promise<{ ok: boolean; caseId?: number; reason?: string }> {
      if (this.accepting.includes(offerId)) return { ok: false, reason: 'in_progress' };
      const offer = this.offers.find((o) => o.offerId === offerId);
      this.answered.push(offerId);
      this.accepting.push(offerId);
      const giveUpAt = (offer ? new Date(offer.expiresAt).getTime() : Date.now()) + ACCEPT_RETRY_PAST_EXPIRY_MS;
      try {
        for (let n = 0; ; n++) {
          let ack: { ok?: boolean; caseId?: number; reason?: string } | undefined;
          try {
            ack = (await deps.request('offer:accept', { offerId })) as typeof ack;
          } catch (err) {
            // no answer: the accept may or may not have arrived; asking again is safe
            if (Date.now() >= giveUpAt) return { ok: false, reason: (err as Error).message };
            await new Promise((r) => setTimeout(r, (deps.retryDelayMs ?? defaultRetryDelay)(n)));
            continue;
          }
          // the server could not decide (database away): the same
          if (ack?.ok === false && ack.reason === 'error' && Date.now() < giveUpAt) {
            await new Promise((r) => setTimeout(r, (deps.retryDelayMs ?? defaultRetryDelay)(n)));
            continue;
          }
          if (ack && ack.ok === false) return { ok: false, reason: ack.reason };
          return { ok: true, caseId: ack?.caseId ?? offer?.case.id };
        }
      } finally {
        this.accepting = this.accepting.filter((x) => x !== offerId);
        this.removeOffer(offerId);
      }
    },
    async decline(offerId: string): Promise<void> {
      this.answered.push(offerId);
      this.removeOffer(offerId);
      // unanswered, the offer times out on the server and the case goes to the next agent all the same
      await deps.request('offer:decline', { offerId }).catch(logFailure('declining an offer'));
    },
    /** After a reload or reconnect: the server's list of my pending offers is the truth. */
    async resumeOffers(): Promise<void> {
      try {
        const offers = await routingApi.myOffers();
        this.offers = this.offers.filter((o) => this.accepting.includes(o.offerId) || offers.some((x) => x.offerId === o.offerId));
        for (const o of offers) this.addOffer(o);
      } catch (err) {
        // live offer events still arrive; the list is reconciled on the next reconnect
        logFailure('reading my pending offers')(err);
      }
    },
  },
});
