/**
 * The two state machines of a case, as data. Every transition function in lifecycle/ checks its
 * move against these tables, so the rules live in one place and tests can read them.
 *
 * Status (what the work is):     new → open → pending → solved → closed, reopen solved → open
 * Routing (who has it):          none → waiting → offered → assigned, back to waiting on decline,
 *                                expiry, rescind, unassign or transfer to a queue
 *
 * The two meet at three points, written once here:
 * - a solved or closed case leaves routing (`none`), keeping its last assignee for the record;
 * - a reopened case (by the customer writing back or by an agent) is `assigned` when it still has an
 *   assignee, else it goes back to `waiting` — the same for both, whoever reopens it;
 * - accepting an offer opens a `new` case.
 */
import type { CaseStatus } from '../contracts/vocabulary.js';

export type RoutingState = 'none' | 'waiting' | 'offered' | 'assigned';

export const STATUS_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  new: ['open', 'pending', 'solved', 'closed'],
  open: ['pending', 'solved', 'closed'],
  pending: ['open', 'solved', 'closed'],
  solved: ['open', 'closed'],
  closed: [],
};

export type RoutingTransition =
  | 'queue'
  | 'offer'
  | 'accept'
  | 'decline'
  | 'expire'
  | 'rescind'
  | 'assign'
  | 'unassign'
  | 'transfer_to_queue'
  | 'withdraw'
  | 'finish'
  | 'reopen';

/** From which routing states each transition may start, and where it ends. */
export const ROUTING_TRANSITIONS: Readonly<Record<RoutingTransition, { from: readonly RoutingState[]; to: RoutingState | 'by_assignee' }>> = {
  queue: { from: ['none'], to: 'waiting' },
  offer: { from: ['waiting'], to: 'offered' },
  accept: { from: ['offered'], to: 'assigned' },
  decline: { from: ['offered'], to: 'waiting' },
  expire: { from: ['offered'], to: 'waiting' },
  rescind: { from: ['offered'], to: 'waiting' },
  assign: { from: ['none', 'waiting', 'offered', 'assigned'], to: 'assigned' },
  unassign: { from: ['assigned'], to: 'waiting' },
  transfer_to_queue: { from: ['none', 'waiting', 'offered', 'assigned'], to: 'waiting' },
  withdraw: { from: ['waiting', 'offered'], to: 'none' },
  finish: { from: ['none', 'waiting', 'offered', 'assigned'], to: 'none' },
  reopen: { from: ['none'], to: 'by_assignee' },
};

export function canTransition(from: string, to: CaseStatus): boolean {
  return from === to || (STATUS_TRANSITIONS[from as CaseStatus] ?? []).includes(to);
}

export function canRoute(from: string, t: RoutingTransition): boolean {
  return ROUTING_TRANSITIONS[t].from.includes(from as RoutingState);
}

/** The routing state a case lands in after `t`. */
export function routingStateAfter(t: RoutingTransition, assigneeId: number | null): RoutingState {
  const to = ROUTING_TRANSITIONS[t].to;
  if (to === 'by_assignee') return assigneeId ? 'assigned' : 'waiting';
  return to;
}

/** Statuses in which a case occupies its assignee's capacity. */
export const HELD_STATUSES: readonly CaseStatus[] = ['new', 'open', 'pending'];
