import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listMigrations, migrate, pendingMigrations } from '../../server/src/db/migrate.js';
import { PG_ADMIN_URL, dbUrl } from '../helpers/env.js';
import { inject } from 'vitest';

const made: string[] = [];
async function emptyDb() {
  const name = `ch_m_${inject('runId')}_${randomBytes(3).toString('hex')}`;
  const a = new pg.Client({ connectionString: PG_ADMIN_URL });
  await a.connect();
  await a.query(`CREATE DATABASE ${name}`);
  await a.end();
  made.push(name);
  return dbUrl(name);
}
afterAll(async () => {
  const a = new pg.Client({ connectionString: PG_ADMIN_URL });
  await a.connect();
  for (const n of made) await a.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
  await a.end();
});

describe('migrations', () => {
  it('apply from an empty database, are recorded, and a second run applies nothing', async () => {
    const url = await emptyDb();
    const applied = await migrate(url);
    expect(applied).toEqual((await listMigrations()).map((m) => m.name));
    expect(await migrate(url)).toEqual([]);
    const pool = new pg.Pool({ connectionString: url });
    expect(await pendingMigrations(pool)).toEqual([]);
    const t = await pool.query(`SELECT count(*)::int n FROM information_schema.tables WHERE table_name IN ('cases','interactions','case_events','customers','customer_identities','agents','queues','audit_log','raw_events','attachments')`);
    expect(t.rows[0].n).toBe(10);
    await pool.end();
  });

  it('a failing migration is rolled back, reported with its name, and not recorded', async () => {
    const url = await emptyDb();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mig-'));
    await writeFile(path.join(dir, '0001_ok.sql'), 'CREATE TABLE a (id int);');
    await writeFile(path.join(dir, '0002_bad.sql'), 'CREATE TABLE b (id int); SELECT * FROM missing_table;');
    await expect(migrate(url, { dir })).rejects.toThrow(/0002_bad.sql failed: .*missing_table/);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    expect((await c.query(`SELECT name FROM schema_migrations`)).rows.map((r) => r.name)).toEqual(['0001_ok.sql']);
    expect((await c.query(`SELECT to_regclass('b') AS t`)).rows[0].t).toBeNull();
    await c.end();
  });
});
