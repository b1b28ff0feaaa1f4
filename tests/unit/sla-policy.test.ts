import { describe, expect, it } from 'vitest';
import { builtInPolicy, computeClocks, pausesFromStatusHistory, raisedPriority, selectPolicy, type SlaPolicy } from '../../server/src/sla/policy.js';

const policy = (id: number, o: Partial<SlaPolicy> = {}): SlaPolicy => ({
  id, name: `p${id}`, position: id, enabled: true, conditions: {}, firstResponseMinutes: 60, nextResponseMinutes: null, resolutionMinutes: null,
  businessTime: false, warnPercent: 80, escalation: {}, ...o,
});
const facts = { queueId: 1, channel: 'email' as const, priority: 'normal' as const, tier: 'standard', type: 'question' };

describe('SLA policy selection', () => {
  it('takes the first enabled policy, by position, whose every condition matches', () => {
    const vip = policy(1, { conditions: { tiers: ['vip'] } });
    const billingEmail = policy(2, { conditions: { queueIds: [1], channels: ['email'] } });
    const anything = policy(3);
    expect(selectPolicy([anything, billingEmail, vip], facts)?.id).toBe(2);
    expect(selectPolicy([anything, billingEmail, vip], { ...facts, tier: 'vip' })?.id).toBe(1);
    expect(selectPolicy([anything, billingEmail, vip], { ...facts, channel: 'chat' })?.id).toBe(3);
    // a queue condition never matches a case without a queue
    expect(selectPolicy([billingEmail], { ...facts, queueId: null })).toBeNull();
    // a disabled policy is skipped; the order is the position, not the list
    expect(selectPolicy([{ ...billingEmail, enabled: false }, anything], facts)?.id).toBe(3);
    expect(selectPolicy([policy(9, { position: 0, conditions: { priorities: ['urgent'] } }), anything], { ...facts, priority: 'urgent' })?.id).toBe(9);
    expect(selectPolicy([policy(4, { conditions: { types: ['complaint'] } })], { ...facts, type: 'complaint' })?.id).toBe(4);
  });

  it('falls back to the built-in targets in calendar time', () => {
    expect(builtInPolicy('chat', 'urgent')).toMatchObject({ firstResponseMinutes: 0.5, resolutionMinutes: 240, businessTime: false });
    expect(raisedPriority('normal')).toBe('high');
    expect(raisedPriority('urgent')).toBe('urgent');
  });
});

describe('SLA clocks', () => {
  const t = (m: number) => new Date(Date.UTC(2027, 2, 1, 10, m));
  it('pauses resolution while pending and while solved, and resumes on reopen', () => {
    const pauses = pausesFromStatusHistory([
      { to: 'open', at: t(0) },
      { to: 'pending', at: t(10) },
      { to: 'open', at: t(40) },
      { to: 'solved', at: t(50) },
      { to: 'open', at: t(55) },
    ]);
    expect(pauses).toEqual([{ from: t(10), to: t(40) }, { from: t(50), to: t(55) }]);
    const [res] = computeClocks(policy(1, { firstResponseMinutes: null, resolutionMinutes: 60 }), null, {
      createdAt: t(0), channel: 'email', firstResponseAt: null, resolvedAt: null, pauses, awaitingReplySince: null, lastAgentReplyAt: null,
    });
    // 60 minutes plus 35 paused
    expect(res).toMatchObject({ metric: 'resolution', dueAt: t(95), warnAt: t(48 + 35), paused: false });
  });

  it('has no due time while pending on the customer', () => {
    const [res] = computeClocks(policy(1, { firstResponseMinutes: null, resolutionMinutes: 60 }), null, {
      createdAt: t(0), channel: 'email', firstResponseAt: null, resolvedAt: null, pauses: pausesFromStatusHistory([{ to: 'pending', at: t(5) }]), awaitingReplySince: null, lastAgentReplyAt: null,
    });
    expect(res).toMatchObject({ dueAt: null, warnAt: null, paused: true });
  });

  it('runs a next-response clock from the customer message after the first answer, not on calls', () => {
    const p = policy(1, { firstResponseMinutes: 30, nextResponseMinutes: 20 });
    const f = { createdAt: t(0), channel: 'email' as const, firstResponseAt: t(5), resolvedAt: null, pauses: [], awaitingReplySince: t(30), lastAgentReplyAt: t(5) };
    const clocks = computeClocks(p, null, f);
    expect(clocks.find((k) => k.metric === 'next_response')).toMatchObject({ startedAt: t(30), dueAt: t(50), warnAt: t(46) });
    expect(clocks.find((k) => k.metric === 'first_response')).toMatchObject({ metAt: t(5) });
    expect(computeClocks(p, null, { ...f, channel: 'voice' }).some((k) => k.metric === 'next_response')).toBe(false);
    expect(computeClocks(p, null, { ...f, awaitingReplySince: null }).some((k) => k.metric === 'next_response')).toBe(false);
  });

  it('counts business time on the calendar only when the policy says so', () => {
    const cal = { timeZone: 'UTC', weekly: { mon: [['10:00', '10:30']] as [string, string][] } };
    const f = { createdAt: t(0), channel: 'email' as const, firstResponseAt: null, resolvedAt: null, pauses: [], awaitingReplySince: null, lastAgentReplyAt: null };
    expect(computeClocks(policy(1, { businessTime: true }), cal, f)[0]!.dueAt).toEqual(new Date(Date.UTC(2027, 2, 8, 10, 30)));
    expect(computeClocks(policy(1, { businessTime: false }), cal, f)[0]!.dueAt).toEqual(t(60));
  });
});
