import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { REDIS_URL } from '../helpers/env.js';

const root = path.resolve(import.meta.dirname, '../..');
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/** A CLI run as an operator would: production environment, this test's database. */
const cli = (script: string, args: string[], nodeEnv = 'production') => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: nodeEnv,
    DATABASE_URL: ctx.db.url,
    REDIS_URL,
    QUEUE_PREFIX: ctx.config.queuePrefix,
    ENCRYPTION_KEY: 'b'.repeat(64),
    PUBLIC_URL: 'https://support.example.test',
  };
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
};
const agents = async () => (await ctx.db.pool.query(`SELECT email, role FROM agents ORDER BY id`)).rows;
const login = (email: string, password: string) => ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

describe('no demo data in production', () => {
  it('the seed refuses to run with NODE_ENV=production (or unset), says what to do instead, and creates nothing', () => {
    for (const nodeEnv of ['production', '']) {
      const r = cli('server/src/seed/seed-cli.ts', [], nodeEnv);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Refusing to seed demo data.*npm run setup -- --admin-email/s);
    }
    return agents().then((rows) => expect(rows).toEqual([]));
  }, 180_000);

  it('docker-compose.yml no longer seeds demo data', () => {
    const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).not.toMatch(/seed-cli|npm run seed/);
    expect(compose).toMatch(/NODE_ENV: production/);
  });
});

describe('npm run setup: the first admin of a production installation', () => {
  it('creates the admin with a one-time link to choose the password; works only while no admin can sign in', async () => {
    const first = cli('server/src/setup/setup-cli.ts', ['--admin-email', 'Owner@Example.test', '--name', 'Olga Owner']);
    expect(first.status, first.stderr).toBe(0);
    const link = /https:\/\/support\.example\.test\/setup\?token=(\S+)/.exec(first.stdout);
    expect(link).not.toBeNull();
    const token = link![1]!;
    expect(await agents()).toEqual([{ email: 'owner@example.test', role: 'admin' }]);

    // Nobody can sign in before the link is used; another address cannot take over the set-up.
    expect((await login('owner@example.test', '')).statusCode).toBe(400);
    const other = cli('server/src/setup/setup-cli.ts', ['--admin-email', 'mallory@example.test']);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/already started for owner@example\.test/);

    const page = await ctx.app.inject({ method: 'GET', url: `/setup?token=${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/owner@example\.test/);
    expect(page.body).not.toMatch(/<script/);

    // The page's form posts form-encoded (no cookie involved); bad input is answered on the page.
    const form = (fields: Record<string, string>) =>
      ctx.app.inject({ method: 'POST', url: '/setup', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    const short = await form({ token, password: 'short', confirm: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toMatch(/at least 10 characters/);
    const differ = await form({ token, password: 'a-long-password-1', confirm: 'a-long-password-2' });
    expect(differ.statusCode).toBe(400);
    const done = await form({ token, password: 'correct horse battery', confirm: 'correct horse battery' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toMatch(/Password saved/);
    expect((await login('owner@example.test', 'correct horse battery')).statusCode).toBe(200);

    // The link works once, and set-up is closed for good now that an admin exists.
    expect((await form({ token, password: 'another password!', confirm: 'another password!' })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'GET', url: `/setup?token=${token}` })).statusCode).toBe(404);
    const again = cli('server/src/setup/setup-cli.ts', ['--admin-email', 'owner@example.test']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/an admin already exists/);
    const actions = (await ctx.db.pool.query(`SELECT action FROM audit_log WHERE action LIKE 'setup.%' ORDER BY id`)).rows.map((r) => r.action);
    expect(actions).toEqual(['setup.first_admin', 'setup.password_set']);
  }, 180_000);
});
