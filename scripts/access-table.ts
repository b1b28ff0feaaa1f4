/**
 * Writes the README's "Access policy" table from server/src/access/matrix.ts (between its markers).
 * `npm run access-table`; the access matrix test fails while the README and the matrix differ.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { README_TABLE_END, README_TABLE_START, accessTableMarkdown } from '../server/src/access/matrix.js';

const file = new URL('../README.md', import.meta.url);
const readme = await readFile(file, 'utf8');
const start = readme.indexOf(README_TABLE_START);
const end = readme.indexOf(README_TABLE_END);
if (start < 0 || end < start) {
  console.error(`README.md has no access-table markers; add\n${README_TABLE_START}\n${README_TABLE_END}\nunder "Access policy" first`);
  process.exit(1);
}
const next = `${readme.slice(0, start + README_TABLE_START.length)}\n${accessTableMarkdown()}\n${readme.slice(end)}`;
if (next !== readme) await writeFile(file, next);
console.log(next === readme ? 'README access table is up to date' : 'README access table rewritten');
