import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, listening } from '../helpers/wait.js';

// The README's first command on a machine with no DATABASE_URL / REDIS_URL:
// embedded Postgres + a local redis-server, migrations, demo data, server and workers.
const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess;
let dataDir: string;
let port: number;
let pgPort: number;
let redisPort: number;
let output = '';

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ch-quickstart-'));
  port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    // CI builds right before the suite; elsewhere dist/ may be stale, so the start script builds.
    SKIP_BUILD: process.env.CI ? '1' : '0',
    CONTACTHUB_DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_PG_PORT: String((pgPort = await freePort())),
    EMBEDDED_REDIS_PORT: String((redisPort = await freePort())),
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  child = spawn('node', ['scripts/start.mjs'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('quick start (npm start on a fresh machine)', () => {
  it('starts the hub with embedded Postgres and local Redis, seeds demo data, and the demo login works', async () => {
    const base = `http://127.0.0.1:${port}`;
    // outside CI the start script builds server, workers, agent UI, widget and portal first
    const deadline = Date.now() + 200_000;
    let ready: { status: string } | null = null;
    while (Date.now() < deadline && child.exitCode === null) {
      const r = await fetch(`${base}/readyz`).catch(() => null);
      if (r?.ok) {
        ready = (await r.json()) as { status: string };
        break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(ready, `hub did not become ready; output:\n${output}`).toMatchObject({ status: 'ready' });
    expect(output).toMatch(/embedded PostgreSQL on 127\.0\.0\.1/);
    expect(output).toMatch(/alice@demo\.contacthub/);
    // a key of its own for stored secrets, made once and kept with the data
    expect(await readFile(path.join(dataDir, 'encryption.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@demo.contacthub', password: 'contacthub-demo' }),
    });
    expect(login.status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(await page.text()).toMatch(/<div id="app">/);

    // a crashed child is restarted (and the reason printed); the hub answers again by itself
    const pid = Number(/server started \(pid (\d+)\)/.exec(output)?.[1]);
    expect(pid, output).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const back = Date.now() + 60_000;
    let again = false;
    while (Date.now() < back && !again) {
      await new Promise((res) => setTimeout(res, 300));
      if (!/server \(pid \d+\) was killed by SIGKILL; restarting/.test(output)) continue;
      again = (await fetch(`${base}/healthz`).catch(() => null))?.ok === true;
    }
    expect(again, `hub did not come back after its server process was killed; output:\n${output}`).toBe(true);
    expect(child.exitCode).toBeNull();

    // Ctrl-C / SIGTERM stops everything it started: hub, embedded Postgres, redis-server
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    for (const [what, p] of [['hub', port], ['postgres', pgPort], ['redis', redisPort]] as const) expect(await listening(p), `${what} still listening on ${p}; output:\n${output}`).toBe(false);
  }, 240_000);
});
