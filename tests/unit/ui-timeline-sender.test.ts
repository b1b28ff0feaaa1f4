// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import TimelineEntry from '../../agent-ui/src/components/TimelineEntry.vue';
import { i18n, applyLocale } from '../../agent-ui/src/i18n';
import type { TimelineItem } from '../../agent-ui/src/api/types';

const item = (o: Partial<TimelineItem>): TimelineItem => ({
  id: 1, caseId: 7, caseNumber: 1007, channel: 'chat', direction: 'inbound', kind: 'message', authorAgentId: null, authorName: null,
  from: '3f1c9a52-7c1e-4b8e-9a57-0d6f1f3b2a10', to: null, subject: null, text: 'Hello?', html: null, deliveryStatus: 'received', deliveryError: null,
  metadata: {}, attachments: [], deliveryAttempts: [], createdAt: new Date().toISOString(), ...o,
});
const who = (i: TimelineItem) => {
  applyLocale('en');
  const w = mount(TimelineEntry, { props: { item: i, currentCaseId: 7 }, global: { plugins: [createPinia(), i18n] } });
  const text = w.get('.entry-who').text();
  w.unmount();
  return text;
};

describe('who wrote a timeline entry', () => {
  it('a chat visitor is shown by the name they typed, never by their visitor id', () => {
    expect(who(item({ metadata: { fromName: 'Lena Okafor' } }))).toBe('Lena Okafor');
    expect(who(item({}))).toBe('Chat visitor');
  });
  it('an email sender is still shown by address, an agent by name', () => {
    expect(who(item({ channel: 'email', from: 'maria.garcia@example.com', metadata: { fromName: 'Maria Garcia' } }))).toBe('\u2066maria.garcia@example.com\u2069');
    expect(who(item({ direction: 'outbound', authorName: 'Alice Agent', from: null }))).toBe('Alice Agent');
  });
  it('a phone number is isolated as a left-to-right run, so in Persian its "+" stays in front', () => {
    expect(who(item({ channel: 'sms', from: '+14155550142' }))).toBe('\u2066+14155550142\u2069');
  });
});
