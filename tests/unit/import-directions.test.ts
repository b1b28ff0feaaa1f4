// The layers of docs/architecture.md, checked: every relative import of server/src, workers/src and
// both UIs goes in an allowed direction (edges → domain → foundation → contracts, never back).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** server/src folders (or top-level modules) by layer, lowest first. */
const LAYERS: Record<string, string[]> = {
  contracts: ['contracts'],
  foundation: ['lib', 'db', 'schemas', 'config'],
  domain: [
    'access', 'audit', 'auth', 'automation', 'business-hours', 'cases', 'channels', 'customer-messages', 'customers', 'ingest', 'kb', 'kpi', 'lifecycle',
    'limits', 'notifications', 'outbound', 'overload', 'realtime', 'routing', 'search', 'seed', 'setup', 'sla', 'storage', 'voice-prompts',
  ],
  edge: ['routes', 'plugins', 'app', 'server'],
};
const RANK = { contracts: 0, foundation: 1, domain: 2, edge: 3, workers: 4 } as const;
type Layer = keyof typeof RANK;

/** Imports against the direction that are known and explained; each is a move still to make. */
const KNOWN: Record<string, string> = {
  'server/src/cases/case-realtime.ts -> server/src/plugins/realtime.ts': 'the workspace socket handlers (an edge) still live in cases/; they read the socket token helper of the realtime plugin',
  'server/src/channels/portal/routes.ts -> server/src/routes/portal-ui.ts': "a channel's HTTP routes are an edge too; the portal API shares the portal page's CSP",
};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function layerOf(rel: string): Layer | 'agent-ui' | 'customer-ui' | 'ui-shared' | null {
  if (rel.startsWith('workers/src/')) return 'workers';
  if (rel.startsWith('ui-shared/')) return 'ui-shared';
  if (rel.startsWith('agent-ui/')) return 'agent-ui';
  if (rel.startsWith('customer-ui/')) return 'customer-ui';
  const m = /^server\/src\/([^/.]+)/.exec(rel);
  if (!m) return null;
  for (const [layer, folders] of Object.entries(LAYERS)) if (folders.includes(m[1])) return layer as Layer;
  return null;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(IMPORT)) {
    const target = path.relative(root, path.resolve(path.dirname(file), m[1] ?? m[2])).replace(/\\/g, '/');
    out.push(target.replace(/\.js$/, '.ts').replace(/^(.*\/[^./]+)$/, '$1.ts'));
  }
  return out;
}

describe('import directions', () => {
  const files = ['server/src', 'workers/src', 'agent-ui/src', 'customer-ui', 'ui-shared'].flatMap((d) => walk(path.join(root, d)));

  it('every server/src folder belongs to a layer', () => {
    const folders = readdirSync(path.join(root, 'server/src')).map((n) => n.replace(/\.ts$/, ''));
    const unplaced = folders.filter((f) => !Object.values(LAYERS).flat().includes(f));
    expect(unplaced, 'add new folders to LAYERS here and to docs/architecture.md').toEqual([]);
  });

  it('nothing imports against the layer order; the UIs reach the server only through contracts/', () => {
    const wrong: string[] = [];
    for (const abs of files) {
      const from = path.relative(root, abs).replace(/\\/g, '/');
      const a = layerOf(from);
      for (const to of imports(abs)) {
        const b = layerOf(to);
        if (!a || !b || KNOWN[`${from} -> ${to}`]) continue;
        if (a === 'agent-ui' || a === 'customer-ui' || a === 'ui-shared') {
          if (to.startsWith('server/') && !to.startsWith('server/src/contracts/')) wrong.push(`${from} -> ${to} (a UI may import server/src/contracts only)`);
          if (a === 'customer-ui' && b === 'agent-ui') wrong.push(`${from} -> ${to} (the customer apps do not share the agent app's code)`);
          if (a === 'ui-shared' && (b === 'agent-ui' || b === 'customer-ui')) wrong.push(`${from} -> ${to} (code shared by the UIs depends on neither)`);
          continue;
        }
        if (b === 'agent-ui' || b === 'customer-ui' || b === 'ui-shared') {
          wrong.push(`${from} -> ${to} (server code never imports UI code)`);
          continue;
        }
        if (RANK[b] > RANK[a]) wrong.push(`${from} -> ${to} (${a} must not import ${b})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('catches an import against the direction (the check itself works)', () => {
    expect(RANK[layerOf('server/src/routes/api/cases/workspace.ts') as Layer]).toBeGreaterThan(RANK[layerOf('server/src/lifecycle/offers.ts') as Layer]);
    expect(layerOf('server/src/contracts/views.ts')).toBe('contracts');
  });
});
