// Every BullMQ queue of the hub is in the registry (contracts/jobs.ts): code names queues through it,
// never by a string of its own, and the architecture page lists each one.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { QUEUES, QUEUE_NAMES } from '../../server/src/contracts/jobs.js';

const root = path.resolve(__dirname, '../..');
const walk = (dir: string, out: string[] = []): string[] => {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
};

describe('queue registry', () => {
  it('no queue, worker or queue-events is created with a name written in place', () => {
    const literal = /new (?:Queue|Worker|QueueEvents|FlowProducer)\b(?:<[^>]*>)?\(\s*['"`]/;
    const found = ['server/src', 'workers/src'].flatMap((d) => walk(path.join(root, d))).filter((f) => literal.test(readFileSync(f, 'utf8')));
    expect(found.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('each registered queue has a consumer and a row in docs/architecture.md', () => {
    const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
    expect(Object.values(QUEUES).map((q) => q.name).sort()).toEqual(Object.values(QUEUE_NAMES).sort());
    for (const q of Object.values(QUEUES)) {
      expect(q.consumer.length).toBeGreaterThan(0);
      expect(doc, `docs/architecture.md lists ${q.name}`).toContain(`| \`${q.name}\` |`);
    }
    expect(QUEUES.twilio.name).toBe('twilio');
    expect(QUEUES.chatLeaveCheck.name).toBe('chat-leave-check');
  });
});
