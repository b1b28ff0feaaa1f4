import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../server/src/db/migrate.js';
import { PG_ADMIN_URL, dbUrl } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
    runId: string;
  }
}

// Migrate once into a template; every test file clones it (CREATE DATABASE ... TEMPLATE) in milliseconds.
export default async function setup(project: TestProject) {
  const runId = randomBytes(4).toString('hex');
  const templateDb = `ch_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  await migrate(dbUrl(templateDb));
  project.provide('templateDb', templateDb);
  project.provide('runId', runId);
  return async () => {
    const left = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`ch_%${runId}%`]);
    for (const r of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
    await admin.end();
  };
}
