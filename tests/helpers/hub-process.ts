import { spawn, type ChildProcess } from 'node:child_process';

/** What a hub process (server, workers, router) needs to run on a test's own database, Redis, key prefix and storage. */
export function hubEnv(
  o: { databaseUrl: string; redisUrl: string; queuePrefix: string; storageDir: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    QUEUE_PREFIX: o.queuePrefix,
    STORAGE_DIR: o.storageDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    ...extra,
  };
}

/**
 * One hub entry point (e.g. server/src/server.ts) as a process of its own, as in production. `onCrash` is
 * called when it exits by itself — anything but the SIGKILL/SIGTERM a test sends — so tests can count crashes.
 */
export function spawnHubProcess(script: string, env: Record<string, string>, onCrash: () => void): ChildProcess {
  const p = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  p.on('exit', (_code, signal) => {
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM') onCrash();
  });
  return p;
}
