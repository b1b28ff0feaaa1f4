import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

// CI check on the source tree: lifecycle/ is the only writer of a case's status, routing state and
// assignee, of offers and of presence; and no two modules import each other, directly or in a ring.
const root = join(import.meta.dirname, '..', '..');
const sourceDirs = ['server/src', 'workers/src'];

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}
const files = sourceDirs.flatMap((d) => walk(d));
const source = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]));

/** Lifecycle-owned writes found in one file's text. */
export function lifecycleWrites(text: string): string[] {
  const found: string[] = [];
  // the SET list of every UPDATE cases (up to WHERE / RETURNING / end of the SQL string)
  for (const m of text.matchAll(/UPDATE\s+cases\s+SET\s+([\s\S]*?)(?=\bWHERE\b|\bRETURNING\b|`|$)/gi)) {
    const cols = [...m[1].matchAll(/(?<![\w.])(status|routing_state|assignee_id)\s*=/gi)].map((c) => c[1].toLowerCase());
    for (const c of new Set(cols)) found.push(`UPDATE cases SET ${c}`);
  }
  if (/INSERT\s+INTO\s+offers\b/i.test(text)) found.push('INSERT INTO offers');
  if (/UPDATE\s+offers\s+SET/i.test(text)) found.push('UPDATE offers');
  for (const m of text.matchAll(/UPDATE\s+agents\s+SET\s+([\s\S]*?)(?=\bWHERE\b|\bRETURNING\b|`|$)/gi)) {
    if (/(?<![\w.])(presence|idle_since|consecutive_timeouts)\s*=/i.test(m[1])) found.push('UPDATE agents SET presence');
  }
  if (/INSERT\s+INTO\s+agent_presence_log\b/i.test(text)) found.push('INSERT INTO agent_presence_log');
  return found;
}

describe('lifecycle ownership', () => {
  it('recognises the writes it guards (and not look-alikes)', () => {
    expect(lifecycleWrites("`UPDATE cases SET status = 'open', updated_at = now() WHERE id = $1`")).toEqual(['UPDATE cases SET status']);
    expect(lifecycleWrites('`UPDATE cases\n   SET routing_state = $2 WHERE id = $1`')).toEqual(['UPDATE cases SET routing_state']);
    expect(lifecycleWrites('`UPDATE cases SET assignee_id = NULL WHERE id = $1`')).toEqual(['UPDATE cases SET assignee_id']);
    expect(lifecycleWrites('`INSERT INTO offers (case_id) VALUES ($1)`')).toEqual(['INSERT INTO offers']);
    expect(lifecycleWrites("`UPDATE agents SET presence = 'away' WHERE id = $1`")).toEqual(['UPDATE agents SET presence']);
    expect(lifecycleWrites("`UPDATE cases SET last_activity_at = now() WHERE id = $1 AND status = 'open'`")).toEqual([]);
    expect(lifecycleWrites('`UPDATE interactions SET delivery_status = $2 WHERE id = $1`')).toEqual([]);
    expect(lifecycleWrites('`UPDATE agents SET name = $2, active = $3 WHERE id = $1`')).toEqual([]);
  });

  it('finds no case state, assignment, offer or presence write outside server/src/lifecycle/', () => {
    const offenders = files
      .filter((f) => !f.startsWith('server/src/lifecycle/'))
      .flatMap((f) => lifecycleWrites(source.get(f)!).map((w) => `${f}: ${w}`));
    expect(offenders).toEqual([]);
  });

  it('has no import cycle between modules', () => {
    const graph = new Map<string, string[]>();
    for (const [f, text] of source) {
      const deps: string[] = [];
      // type-only imports vanish at runtime but still tie modules together: they count too
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
        deps.push(normalize(join(dirname(f), m[1])).replace(/\.js$/, '.ts'));
      }
      graph.set(f, deps.filter((d) => source.has(d)));
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative('server/src', x)).join(' → '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
