import { describe, expect, it } from 'vitest';
import { fillPlaceholders, mentionQuery, slashQuery } from '../../agent-ui/src/lib/placeholders';

describe('canned response placeholders', () => {
  it('fills customer name, case reference and agent name', () => {
    expect(fillPlaceholders('Hi {{customer.name}}, I am {{ agent.name }} on {{case.ref}}.', { customerName: 'Maria', caseRef: '#1001', agentName: 'Alice' })).toBe(
      'Hi Maria, I am Alice on #1001.',
    );
  });

  it('drops an unknown customer name gracefully and keeps unknown placeholders visible', () => {
    expect(fillPlaceholders('Hello {{customer.name}}, see {{order.id}}', { customerName: null })).toBe('Hello, see {{order.id}}');
  });
});

describe('composer triggers', () => {
  it('finds the "/" word at the caret', () => {
    expect(slashQuery('/hel', 4)).toEqual({ start: 0, query: 'hel' });
    expect(slashQuery('Thanks! /th', 11)).toEqual({ start: 8, query: 'th' });
    expect(slashQuery('http://x', 8)).toBeNull();
    expect(slashQuery('a/b', 3)).toBeNull();
  });

  it('finds the "@" mention at the caret, including Persian letters', () => {
    expect(mentionQuery('ask @bo', 7)).toEqual({ start: 4, query: 'bo' });
    expect(mentionQuery('mail me a@b', 11)).toBeNull();
    expect(mentionQuery('@دار', 4)).toEqual({ start: 0, query: 'دار' });
  });
});
