/**
 * SLA policies: which policy applies to a case (the first enabled one, by position, whose conditions all
 * match) and what its clocks are (due and warning times, in business or calendar time, with the
 * resolution clock paused while the case waits on the customer). Pure: the database side is sla/clocks.ts.
 */
import type { CasePriority, Channel } from '../contracts/vocabulary.js';
import type { SlaConditions, SlaEscalation, SlaMetric } from '../contracts/sla.js';
import { addBusinessMinutes, type BusinessCalendar, type Pause } from '../business-hours/calendar.js';

export interface SlaPolicy {
  id: number | null;
  name: string;
  position: number;
  enabled: boolean;
  conditions: SlaConditions;
  firstResponseMinutes: number | null;
  nextResponseMinutes: number | null;
  resolutionMinutes: number | null;
  businessTime: boolean;
  warnPercent: number;
  escalation: SlaEscalation;
}

export interface CaseFacts {
  queueId: number | null;
  channel: Channel;
  priority: CasePriority;
  tier: string;
  type: string;
}

const matches = <T>(list: T[] | undefined, value: T) => !list?.length || list.includes(value);

/** The first enabled policy, in position order, whose every condition holds; null when none does. */
export function selectPolicy(policies: SlaPolicy[], c: CaseFacts): SlaPolicy | null {
  const ordered = [...policies].sort((a, b) => a.position - b.position || (a.id ?? 0) - (b.id ?? 0));
  for (const p of ordered) {
    if (!p.enabled) continue;
    const k = p.conditions;
    if (k.queueIds?.length && (c.queueId == null || !k.queueIds.includes(c.queueId))) continue;
    if (!matches(k.channels, c.channel) || !matches(k.priorities, c.priority) || !matches(k.tiers, c.tier) || !matches(k.types, c.type)) continue;
    return p;
  }
  return null;
}

// The hub's targets while no admin policy matches a case, in calendar time: live channels are measured
// in minutes, written channels in hours; priority tightens them.
const FIRST_RESPONSE_MIN: Record<Channel, number> = { voice: 1, chat: 2, sms: 15, portal: 240, api: 240, email: 240 };
const PRIORITY_FACTOR: Record<CasePriority, number> = { urgent: 0.25, high: 0.5, normal: 1, low: 2 };
const RESOLUTION_HOURS: Record<CasePriority, number> = { urgent: 4, high: 24, normal: 72, low: 168 };

/** The built-in policy for a case no admin policy matches. */
export function builtInPolicy(channel: Channel, priority: CasePriority): SlaPolicy {
  return {
    id: null,
    name: 'built-in',
    position: Number.MAX_SAFE_INTEGER,
    enabled: true,
    conditions: {},
    firstResponseMinutes: FIRST_RESPONSE_MIN[channel] * PRIORITY_FACTOR[priority],
    nextResponseMinutes: null,
    resolutionMinutes: RESOLUTION_HOURS[priority] * 60,
    businessTime: false,
    warnPercent: 80,
    escalation: { raisePriority: false, notifySupervisors: true },
  };
}

/**
 * A new case's first due times (built-in policy) as minutes after its creation. The statement that inserts
 * the case adds them to its own `now()` (`dueAfter`), which is the case's `created_at`: the SLA worker,
 * which computes the clocks from `created_at`, then finds the same due times and leaves the case row alone
 * (computed from the application's clock they differed by milliseconds, and every new case's row was
 * written a second time only for that).
 */
export function slaDueMinutes(channel: Channel, priority: CasePriority) {
  const p = builtInPolicy(channel, priority);
  return { firstResponseMinutes: p.firstResponseMinutes, resolutionMinutes: p.resolutionMinutes };
}

/** SQL: the due time `minutes` (a float8 parameter, null: none) after the statement's `now()`. */
export const dueAfter = (minutes: string) => `now() + make_interval(secs => ${minutes}::float8 * 60)`;

/** What the clocks are computed from. */
export interface ClockFacts {
  createdAt: Date;
  channel: Channel;
  firstResponseAt: Date | null;
  /** solved (or closed) and not reopened since */
  resolvedAt: Date | null;
  /** when the case waited on the customer (pending) or was solved: the resolution clock stood still */
  pauses: Pause[];
  /** the first customer message after the latest agent reply (after the first response); null: none waiting */
  awaitingReplySince: Date | null;
  /** the latest agent reply (ends a next-response cycle) */
  lastAgentReplyAt: Date | null;
}

export interface Clock {
  metric: SlaMetric;
  targetMinutes: number;
  startedAt: Date;
  warnAt: Date | null;
  dueAt: Date | null;
  paused: boolean;
  metAt: Date | null;
}

/** Next response is measured on written and chat conversations, not on calls. */
const NEXT_RESPONSE_CHANNELS = new Set<Channel>(['chat', 'email', 'sms', 'portal', 'api']);

/**
 * The case's clocks under a policy. `calendar` is the business calendar (null: always open), used only
 * when the policy counts business time.
 */
export function computeClocks(policy: SlaPolicy, calendar: BusinessCalendar | null, f: ClockFacts): Clock[] {
  const cal = policy.businessTime ? calendar : null;
  const at = (start: Date, minutes: number, pauses?: Pause[]) => addBusinessMinutes(cal, start, minutes, pauses);
  const share = policy.warnPercent / 100;
  const clocks: Clock[] = [];
  if (policy.firstResponseMinutes) {
    const m = policy.firstResponseMinutes;
    clocks.push({ metric: 'first_response', targetMinutes: m, startedAt: f.createdAt, warnAt: at(f.createdAt, m * share), dueAt: at(f.createdAt, m), paused: false, metAt: f.firstResponseAt });
  }
  if (policy.nextResponseMinutes && NEXT_RESPONSE_CHANNELS.has(f.channel) && f.firstResponseAt) {
    const m = policy.nextResponseMinutes;
    if (f.awaitingReplySince) {
      clocks.push({ metric: 'next_response', targetMinutes: m, startedAt: f.awaitingReplySince, warnAt: at(f.awaitingReplySince, m * share), dueAt: at(f.awaitingReplySince, m), paused: false, metAt: null });
    }
  }
  if (policy.resolutionMinutes) {
    const m = policy.resolutionMinutes;
    const open = f.pauses.some((p) => p.to == null);
    clocks.push({
      metric: 'resolution',
      targetMinutes: m,
      startedAt: f.createdAt,
      // a running pause has no end: no due time until the case is worked on again
      warnAt: open ? null : at(f.createdAt, m * share, f.pauses),
      dueAt: open ? null : at(f.createdAt, m, f.pauses),
      paused: open && !f.resolvedAt,
      metAt: f.resolvedAt,
    });
  }
  return clocks;
}

/**
 * Pauses of the resolution clock from the status history (oldest first): from a change to pending or
 * solved/closed until the case is open again.
 */
export function pausesFromStatusHistory(history: { to: string; at: Date }[]): Pause[] {
  const pauses: Pause[] = [];
  let since: Date | null = null;
  for (const h of history) {
    const stops = h.to === 'pending' || h.to === 'solved' || h.to === 'closed';
    if (stops && !since) since = h.at;
    else if (!stops && since) {
      pauses.push({ from: since, to: h.at });
      since = null;
    }
  }
  if (since) pauses.push({ from: since, to: null });
  return pauses;
}

/** One step up (low → normal → high → urgent); urgent stays urgent. */
export function raisedPriority(p: CasePriority): CasePriority {
  const order: CasePriority[] = ['low', 'normal', 'high', 'urgent'];
  return order[Math.min(order.length - 1, order.indexOf(p) + 1)]!;
}
