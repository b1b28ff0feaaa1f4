import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, listening, waitFor } from '../helpers/wait.js';

// The README's first command on a machine with no DATABASE_URL / REDIS_URL:
// embedded Postgres + a local redis-server, migrations, demo data, server and workers.
const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess;
let dataDir: string;
let port: number;
let pgPort: number;
let redisPort: number;
let output = '';
let env: NodeJS.ProcessEnv;

/** `npm start` as a user types it; its output is collected into `output`. */
function npmStart(extra: NodeJS.ProcessEnv = {}): ChildProcess {
  const c = spawn('npm', ['start'], { cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  c.stdout!.on('data', (d) => (output += d));
  c.stderr!.on('data', (d) => (output += d));
  return c;
}

/** Whether a process with this id still exists (a zombie counts as gone: it runs nothing). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r)));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ch-quickstart-'));
  port = await freePort();
  env = {
    ...process.env,
    NODE_ENV: 'development',
    // A build already in place (CI builds right before the suite; the browser tests serve the agent UI from it)
    // is used as it is: the start script's build empties dist/ first, and did so while other test files' browsers
    // were loading their pages from it (a sign-in page that never came). Without one it builds, as on a fresh machine.
    SKIP_BUILD: existsSync(path.join(root, 'dist', 'server')) && existsSync(path.join(root, 'dist', 'agent-ui')) ? '1' : '0',
    CONTACTHUB_DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_PG_PORT: String((pgPort = await freePort())),
    EMBEDDED_REDIS_PORT: String((redisPort = await freePort())),
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  child = npmStart();
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await exited(child);
  }
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('quick start (npm start on a fresh machine)', () => {
  it('starts the hub with embedded Postgres and local Redis, seeds demo data, and the demo login works', async () => {
    const base = `http://127.0.0.1:${port}`;
    // without a build in place the start script builds server, workers, agent UI, widget and portal first
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
    // "hub running" is the promise that the address answers: it is printed only once it does
    await waitFor(async () => output.includes('hub running'), 30_000, '"hub running"');
    expect(output).toMatch(/embedded PostgreSQL on 127\.0\.0\.1/);
    expect(output).toMatch(/alice@demo\.contacthub/);
    // no SMTP server, no Twilio: replies go to the demo outbox, and the start says where to read them
    expect(output).toMatch(/demo mode: .*\/admin\/outbox/);
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

    // SIGTERM to the `npm start` process (a service manager, `kill`) stops everything it started: server, workers
    // (with the router), embedded Postgres, redis-server — not only Ctrl-C, which signals the whole process group
    await stopsEverything(child);

    // a second start on the same data: the demo accounts are listed again, and "hub running" means it answers
    output = '';
    child = npmStart({ SKIP_BUILD: '1' });
    const shown = Date.now() + 120_000;
    while (Date.now() < shown && child.exitCode === null && !output.includes('hub running')) await new Promise((res) => setTimeout(res, 100));
    expect(output, output).toMatch(/hub running/);
    expect((await fetch(`${base}/healthz`)).ok).toBe(true);
    expect(output).toMatch(/alice@demo\.contacthub/);
    expect(output).toMatch(/contacthub-demo/);
    await stopsEverything(child);
  }, 400_000);

  it('explains a taken port for the embedded PostgreSQL, Redis or the hub instead of failing obscurely or using it', async () => {
    const taken = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const busy = String((taken.address() as net.AddressInfo).port);
    try {
      for (const [variable, extra] of [
        ['EMBEDDED_PG_PORT', { EMBEDDED_PG_PORT: busy }],
        // with a database of one's own the embedded Redis is still started: its port is checked the same way
        ['EMBEDDED_REDIS_PORT', { EMBEDDED_REDIS_PORT: busy, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }],
        // the hub's own port is checked before anything is built, migrated or started
        ['PORT', { PORT: busy, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', REDIS_URL: 'redis://127.0.0.1:6379' }],
      ] as const) {
        output = '';
        const dir = await mkdtemp(path.join(os.tmpdir(), 'ch-quickstart-busy-'));
        const c = npmStart({ ...extra, CONTACTHUB_DATA_DIR: dir, SKIP_BUILD: '1' });
        await exited(c);
        await rm(dir, { recursive: true, force: true });
        expect(c.exitCode, output).toBe(1);
        expect(output).toContain(`Port ${busy} (${variable}) is already in use`);
        expect(output).not.toMatch(/^undefined$|reusing the Redis/m);
      }
    } finally {
      taken.close();
    }
  }, 60_000);
});

async function stopsEverything(c: ChildProcess): Promise<void> {
  const pids = [...output.matchAll(/(?:server|workers) started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  expect(pids.length, output).toBeGreaterThanOrEqual(2);
  c.kill('SIGTERM');
  await exited(c);
  for (const [what, p] of [['hub', port], ['postgres', pgPort], ['redis', redisPort]] as const) expect(await listening(p), `${what} still listening on ${p}; output:\n${output}`).toBe(false);
  for (const pid of pids) expect(alive(pid), `pid ${pid} still running after SIGTERM; output:\n${output}`).toBe(false);
}
