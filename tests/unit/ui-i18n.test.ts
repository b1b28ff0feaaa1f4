import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDate, formatDateTime, formatNumber, formatSpan, applyLocale, i18n } from '../../agent-ui/src/i18n';

// the catalogues as the app loads them (workspace plus any area's own messages)
const en = i18n.global.getLocaleMessage('en') as object;
const fa = i18n.global.getLocaleMessage('fa') as object;

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
function lookup(o: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.(vue|ts)$/.test(e.name) && !p.includes(`${path.sep}i18n${path.sep}`)) out.push(p);
  }
  return out;
}

describe('UI catalogue', () => {
  it('Persian has exactly the English keys, none empty', () => {
    expect(keys(fa).sort()).toEqual(keys(en).sort());
    for (const k of keys(fa)) expect(String(lookup(fa, k)).trim(), k).not.toBe('');
  });

  it('every literal key the UI asks for exists', async () => {
    const missing: string[] = [];
    for (const file of await sources(path.resolve('agent-ui/src'))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z]+(?:\.[a-zA-Z_]+)+)'/g)) if (typeof lookup(en, m[1]!) !== 'string') missing.push(`${path.basename(file)}: ${m[1]}`);
      for (const m of text.matchAll(/keypath="([a-zA-Z.]+)"/g)) if (typeof lookup(en, m[1]!) !== 'string') missing.push(`${path.basename(file)}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it('formats Persian dates in the Solar Hijri calendar with Persian digits', () => {
    const when = '2026-11-23T10:30:00Z';
    expect(formatDate(when, 'fa')).toMatch(/۱۴۰۵/);
    expect(formatDate(when, 'fa')).toMatch(/آذر/);
    expect(formatDate(when, 'en')).toMatch(/2026/);
    expect(formatDateTime(when, 'fa')).toMatch(/[۰-۹]/);
    expect(formatNumber(1234, 'fa')).toBe('۱٬۲۳۴');
  });

  it('spells durations in the active language', () => {
    applyLocale('en');
    expect(formatSpan(65_000, 'en')).toBe('1m 5s');
    applyLocale('fa');
    expect(formatSpan(3_725_000, 'fa')).toBe('۱ ساعت ۲ دقیقه');
    applyLocale('en');
  });
});
