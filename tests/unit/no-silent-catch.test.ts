// No silent catch (the developers' guide): every caught failure is handled, logged or rethrown. ESLint
// says the same (no-restricted-syntax in eslint.config.js); this test keeps it true where ESLint is not run.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const DIRS = ['server/src', 'workers/src', 'agent-ui/src', 'customer-ui', 'ui-shared', 'scripts'];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|mjs|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The script of a .vue file (blanked template keeps line numbers), or the file itself. */
function scriptOf(file: string): string {
  const src = readFileSync(file, 'utf8');
  if (!file.endsWith('.vue')) return src;
  const m = /<script[^>]*>([\s\S]*?)<\/script>/.exec(src);
  return m ? src.slice(0, m.index).replace(/[^\n]/g, ' ') + ' '.repeat(m[0].indexOf(m[1])) + m[1] : '';
}

const emptyBody = (n: ts.Node | undefined) =>
  !!n && (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isBlock(n.body) && n.body.statements.length === 0;

/** Where a failure is dropped without a trace: `catch {}` (comments or not), `.catch(() => {})`, `.on('error', () => {})`. */
export function silentCatches(name: string, source: string): string[] {
  const sf = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const at = (n: ts.Node, what: string) => out.push(`${name}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${what}`);
  const visit = (n: ts.Node) => {
    if (ts.isCatchClause(n) && n.block.statements.length === 0) at(n, 'catch block that does nothing');
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const method = n.expression.name.text;
      if (method === 'catch' && emptyBody(n.arguments[0])) at(n, '.catch(() => {})');
      if (method === 'on' && n.arguments[0] && ts.isStringLiteral(n.arguments[0]) && n.arguments[0].text === 'error' && emptyBody(n.arguments[1])) at(n, "empty 'error' listener");
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('no silent catch', () => {
  it('finds each way a failure goes silent (the check itself works)', () => {
    const found = silentCatches(
      'probe.ts',
      `try { a(); } catch { /* ignore */ }
       p.catch(() => {});
       q.on('error', () => {});
       p.catch((err) => log.warn({ err }, 'x'));
       try { a(); } catch { b(); }`,
    );
    expect(found).toEqual(['probe.ts:1 catch block that does nothing', 'probe.ts:2 .catch(() => {})', "probe.ts:3 empty 'error' listener"]);
  });

  it('no server, worker or UI code drops a failure without handling or logging it', () => {
    const found = DIRS.flatMap((d) => walk(path.join(root, d))).flatMap((f) => silentCatches(path.relative(root, f), scriptOf(f)));
    expect(found).toEqual([]);
  });
});
