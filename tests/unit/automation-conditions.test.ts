import { describe, expect, it } from 'vitest';
import { containsKeyword, failedConditions, type CaseSnapshot } from '../../server/src/automation/conditions.js';
import { isPrivateAddress } from '../../server/src/automation/webhook-target.js';
import { renderTemplate, textFor } from '../../server/src/automation/actions.js';

const snap: CaseSnapshot = {
  id: 1, number: 1042, status: 'new', priority: 'normal', type: 'question', channel: 'email', queueId: 3, assigneeId: null,
  tags: ['Billing'], subject: 'درخواست بازپرداخت', language: null, customerId: 9, customerName: 'Nina', customerTier: 'vip',
  customerTags: ['wholesale'], customerLanguage: 'fa', body: 'سفارش ۱۲۳ رسید',
};

describe('rule conditions', () => {
  it('match keywords after Persian normalisation: Arabic ي/ك, ZWNJ, Persian and Arabic digits, case', () => {
    expect(containsKeyword('شكايت دارم', 'شکایت')).toBe(true);
    expect(containsKeyword('باز\u200Cپرداخت', 'بازپرداخت')).toBe(true);
    expect(containsKeyword('سفارش ۱۲۳', 'سفارش 123')).toBe(true);
    expect(containsKeyword('order ١٢٣', '123')).toBe(true);
    expect(containsKeyword('REFUND now', 'refund')).toBe(true);
    // whole words: "refunded" is not "refund"
    expect(containsKeyword('already refunded', 'refund')).toBe(false);
  });

  it('need every condition given, any value within one', () => {
    expect(failedConditions({}, snap, true)).toEqual([]);
    expect(failedConditions({ channels: ['sms', 'email'], customerTiers: ['vip'], caseTags: ['billing'], customerTags: ['wholesale'] }, snap, true)).toEqual([]);
    expect(failedConditions({ keywords: { words: ['refund', 'بازپرداخت'], in: 'subject' } }, snap, true)).toEqual([]);
    expect(failedConditions({ keywords: { words: ['123'], in: 'body' } }, snap, true)).toEqual([]);
    expect(failedConditions({ keywords: { words: ['123'], in: 'subject' } }, snap, true)).toEqual(['keywords']);
    expect(failedConditions({ queueIds: [4], priorities: ['high'], statuses: ['open'], caseTypes: ['complaint'] }, snap, true)).toEqual(['queueIds', 'caseTypes', 'priorities', 'statuses']);
    expect(failedConditions({ businessHours: 'closed' }, snap, true)).toEqual(['businessHours']);
    expect(failedConditions({ businessHours: 'closed' }, snap, false)).toEqual([]);
  });

  it('reply templates pick the customer’s language and fill the placeholders', () => {
    const texts = { en: 'Hi {{customer.name}}, case {{case.ref}}', fa: 'سلام {{customer.name}}، درخواست {{case.ref}}' };
    expect(renderTemplate(textFor(texts, snap), snap)).toBe('سلام Nina، درخواست #1042');
    expect(textFor(texts, { customerLanguage: 'de', language: null })).toBe(texts.en);
  });
});

describe('webhook targets (SSRF)', () => {
  it('knows loopback, private, link-local and mapped addresses from public ones', () => {
    for (const a of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', '224.0.0.1', 'not-an-ip']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1']) expect(isPrivateAddress(a), a).toBe(false);
  });
});
