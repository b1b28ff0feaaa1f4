import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// The Node version the README promises must be one every runtime dependency accepts, and package.json must say the same.
const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const semver = require('semver') as { subset(a: string, b: string): boolean; minVersion(r: string): { version: string } | null };

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** Where Node would load `name` from when required by a package in `fromDir`. */
function resolveDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return null;
  }
}

/** Every package the running hub loads (dependencies, not devDependencies), with its declared Node range. */
function runtimePackages(): Manifest[] {
  const seen = new Map<string, Manifest>();
  const visit = (dir: string) => {
    const real = dir;
    if (seen.has(real)) return;
    const m = read(path.join(dir, 'package.json'));
    seen.set(real, m);
    for (const dep of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) {
      const d = resolveDir(dep, dir);
      if (d) visit(d);
    }
  };
  for (const dep of Object.keys(read(path.join(root, 'package.json')).dependencies ?? {})) {
    const d = resolveDir(dep, root);
    if (d) visit(d);
  }
  return [...seen.values()];
}

describe('the Node.js minimum', () => {
  const ours = read(path.join(root, 'package.json')).engines?.node ?? '';

  it('is stated in the README as package.json engines says', () => {
    const min = semver.minVersion(ours)?.version.replace(/\.0$/, '');
    expect(min).toBeTruthy();
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain(`Node.js ${min} or newer`);
  });

  it('is accepted by every runtime dependency', () => {
    const refusing = runtimePackages()
      .filter((m) => m.engines?.node && !semver.subset(ours, m.engines.node))
      .map((m) => `${m.name}@${m.version} wants node ${m.engines!.node}`);
    expect(refusing).toEqual([]);
  });
});
