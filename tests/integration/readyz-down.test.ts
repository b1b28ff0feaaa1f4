import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import type { FastifyInstance } from 'fastify';

let db: TestDb;
let app: FastifyInstance;
beforeAll(async () => {
  db = await freshDatabase();
  // Redis on a port nothing listens on: the app must still start and say what is wrong.
  app = await buildApp({ config: testConfig(db.url, { REDIS_URL: 'redis://127.0.0.1:1' }), logger: false });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('/readyz with a dependency down', () => {
  it('answers 503 naming Redis while /healthz stays up', async () => {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.redis.ok).toBe(false);
    expect(r.json().checks.postgres.ok).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('reports pending migrations', async () => {
    await db.pool.query(`DELETE FROM schema_migrations`);
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.json().checks.migrations).toMatchObject({ ok: false, detail: expect.stringMatching(/pending: 0001_init.sql/) });
  });
});
