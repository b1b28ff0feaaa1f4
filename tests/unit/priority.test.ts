import { describe, expect, it } from 'vitest';
import { routingPriority } from '../../server/src/routing/priority.js';
import { normaliseIdentity } from '../../server/src/ingest/identity.js';

describe('routing priority', () => {
  it('serves voice before chat before sms before email by default', () => {
    const p = (channel: 'voice' | 'chat' | 'sms' | 'email') => routingPriority({ channel, casePriority: 'normal', vip: false, slaAtRisk: false });
    expect([p('voice'), p('chat'), p('sms'), p('email')]).toEqual([10, 20, 40, 60]);
  });

  it('raises urgent, VIP and at-risk cases and honours queue overrides, never below 1', () => {
    expect(routingPriority({ channel: 'email', casePriority: 'urgent', vip: true, slaAtRisk: true })).toBe(60 - 8 - 3 - 5);
    expect(routingPriority({ channel: 'email', casePriority: 'low', vip: false, slaAtRisk: false, overrides: { email: 30 } })).toBe(34);
    expect(routingPriority({ channel: 'voice', casePriority: 'urgent', vip: true, slaAtRisk: true, escalationDelta: -50 })).toBe(1);
  });
});

describe('identity normalisation', () => {
  it('gives phones in E.164 and lower-cased emails', () => {
    expect(normaliseIdentity('phone', '+44 20 7946 0958')).toBe('+442079460958');
    expect(normaliseIdentity('phone', '0049 30 901820')).toBe('+4930901820');
    expect(normaliseIdentity('email', ' Maria@Example.COM ')).toBe('maria@example.com');
    expect(() => normaliseIdentity('email', 'nope')).toThrow(/not a valid email/);
    expect(() => normaliseIdentity('phone', '12')).toThrow(/not a valid phone/);
  });

  it('gives the same answer for a phone number seen before, per default country', () => {
    expect(normaliseIdentity('phone', '(415) 555-0100')).toBe('+14155550100');
    expect(normaliseIdentity('phone', '(415) 555-0100')).toBe('+14155550100');
    expect(normaliseIdentity('phone', '09121234567', 'IR')).toBe('+989121234567');
    expect(normaliseIdentity('phone', '09121234567', 'IR')).toBe('+989121234567');
    // an invalid number is refused every time, not remembered as something else
    expect(() => normaliseIdentity('phone', '12')).toThrow(/not a valid phone/);
    expect(() => normaliseIdentity('phone', '12')).toThrow(/not a valid phone/);
  });
});
