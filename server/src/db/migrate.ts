import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';
import { bestEffort } from '../lib/best-effort.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Source runs from server/src/db, the build from dist/server/src/db: both find the repo's migrations/.
export const MIGRATIONS_DIR =
  [path.resolve(here, '../../../migrations'), path.resolve(here, '../../../../migrations')].find((d) => existsSync(d)) ??
  path.resolve('migrations');

export interface MigrationFile {
  name: string;
  sql: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(path.join(dir, name), 'utf8') })));
}

const LOCK_ID = 720_417; // any constant: serialises concurrent migrators

/** Applies pending migrations in order, each in its own transaction. Returns the names applied. */
export async function migrate(databaseUrl: string, opts: { dir?: string; log?: (m: string) => void } = {}): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const m of await listMigrations(opts.dir)) {
      if (done.has(m.name)) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations(name) VALUES ($1)', [m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await bestEffort(client.query('ROLLBACK'), undefined, `rolling back ${m.name}`);
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
      opts.log?.(`applied ${m.name}`);
    }
  } finally {
    await bestEffort(client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]), undefined, 'releasing the migration lock');
    await client.end();
  }
  return applied;
}

/** Names of migrations on disk that the database has not applied yet. */
export async function pendingMigrations(db: pg.Pool | pg.PoolClient, dir?: string): Promise<string[]> {
  const exists = await db.query(`SELECT to_regclass('schema_migrations') AS t`);
  const done = exists.rows[0].t
    ? new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name))
    : new Set<string>();
  return (await listMigrations(dir)).map((m) => m.name).filter((n) => !done.has(n));
}
