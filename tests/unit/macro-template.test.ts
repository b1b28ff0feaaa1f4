import { describe, expect, it } from 'vitest';
import { fillTemplate, macroNeedsChange, replyFor } from '../../server/src/cases/macros.js';

describe('macro replies', () => {
  it('answers a Persian-speaking customer in Persian, everyone else in English, and falls back to the one written', () => {
    const both = { en: 'Hello', fa: 'سلام' };
    expect(replyFor(both, 'fa')).toBe('سلام');
    expect(replyFor(both, 'fa-IR')).toBe('سلام');
    expect(replyFor(both, 'en')).toBe('Hello');
    expect(replyFor(both, 'de')).toBe('Hello');
    expect(replyFor({ fa: 'سلام' }, 'en')).toBe('سلام');
    expect(replyFor({ en: 'Hello', fa: '  ' }, 'fa')).toBe('Hello');
    expect(replyFor({}, 'en')).toBeNull();
  });

  it('fills the placeholders as the composer does; an unknown one stays visible, a missing name disappears', () => {
    const v = { customerName: 'Reza', caseRef: '#1042', agentName: 'Alice' };
    expect(fillTemplate('Hi {{ customer.name }}, case {{case.ref}} — {{agent.name}}', v)).toBe('Hi Reza, case #1042 — Alice');
    expect(fillTemplate('Hi {{customer.name}}, see {{order.id}}', { ...v, customerName: null })).toBe('Hi, see {{order.id}}');
  });

  it('a macro that changes status, priority or assignment needs the holder; tags and type do not', () => {
    expect(macroNeedsChange({ actions: [{ kind: 'tags', add: ['x'] }, { kind: 'type', type: 'task' }] })).toBe(false);
    expect(macroNeedsChange({ actions: [{ kind: 'priority', priority: 'high' }] })).toBe(true);
    expect(macroNeedsChange({ actions: [{ kind: 'queue', queueId: 3 }] })).toBe(true);
  });
});
