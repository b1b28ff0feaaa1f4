// Runs every benchmark in bench/ one after another (each in its own process) and prints its figures.
// `npm run bench -- hot-path` runs only the benchmarks whose file name contains one of the arguments.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(dir).filter((f) => f.endsWith('.ts') && !['run-all.ts', 'lib.ts'].includes(f)).sort()
  .filter((f) => process.argv.length <= 2 || process.argv.slice(2).some((a) => f.includes(a)));
let failed = 0;
for (const s of scripts) {
  console.log(`\n== bench/${s}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, s)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${s} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
