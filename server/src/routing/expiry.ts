/**
 * Offer expiry: the router holding the pass lease reads the offers whose time is up, a few times a second,
 * from the pending-expiry index, and expires each (lifecycle/offers.ts expireOffer). An offer has no timer
 * of its own: a delayed job per offer, removed again when the offer was answered, cost two BullMQ scripts
 * on Redis and their round trips for every offer made, almost all of them answered well before expiry.
 * An empty read is one index probe. The other routers' sweep settles what a stalled lease holder leaves
 * (with a grace), and a router's rebuild at start what expired while none ran.
 */
import type { RoutingDeps } from '../lifecycle/deps.js';
import { expireOffer } from '../lifecycle/offers.js';

/** Expires up to `limit` pending offers whose expiry is more than `graceMs` ago; returns how many it found. */
export async function expireDueOffers(deps: RoutingDeps, graceMs = 0, limit = 200): Promise<number> {
  const r = await deps.db.query(
    `SELECT id FROM offers WHERE status = 'pending' AND expires_at <= now() - make_interval(secs => $1) ORDER BY expires_at LIMIT $2`,
    [graceMs / 1000, limit],
  );
  for (const o of r.rows) await expireOffer(deps, o.id);
  return r.rows.length;
}
