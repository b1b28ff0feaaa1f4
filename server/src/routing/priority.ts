import type { CasePriority, Channel } from '../contracts/channels.js';

export const DEFAULT_CHANNEL_PRIORITY: Record<Channel, number> = {
  voice: 10,
  chat: 20,
  sms: 40,
  portal: 50,
  api: 50,
  email: 60,
};

const CASE_PRIORITY_DELTA: Record<CasePriority, number> = { urgent: -8, high: -4, normal: 0, low: 4 };

export interface PriorityInput {
  channel: Channel;
  casePriority: CasePriority;
  vip: boolean;
  slaAtRisk: boolean;
  /** Queue-level overrides of the channel base, e.g. {"email": 55}. */
  overrides?: Partial<Record<Channel, number>>;
  /** Accumulated escalation raises (negative numbers = sooner). */
  escalationDelta?: number;
}

/** Routing priority in BullMQ terms: lower number is served sooner, never below 1. */
export function routingPriority(p: PriorityInput): number {
  const base = p.overrides?.[p.channel] ?? DEFAULT_CHANNEL_PRIORITY[p.channel];
  const value =
    base + CASE_PRIORITY_DELTA[p.casePriority] + (p.vip ? -3 : 0) + (p.slaAtRisk ? -5 : 0) + (p.escalationDelta ?? 0);
  return Math.min(2_097_152, Math.max(1, value));
}
