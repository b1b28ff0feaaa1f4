import type { FastifyPluginAsync } from 'fastify';
import { pendingMigrations } from '../db/migrate.js';
import { withTimeout } from '../lib/with-timeout.js';

/** /healthz: the process is up. /readyz: it can do its job (Postgres, Redis, schema current). */
const health: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'] } }, async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

  app.get('/readyz', { schema: { tags: ['health'] } }, async (_req, reply) => {
    const checks: Record<string, { ok: boolean; detail?: string; latencyMs?: number }> = {};
    const timed = async (name: string, fn: () => Promise<string | void>) => {
      const t = Date.now();
      try {
        const detail = await withTimeout(fn(), 2000, 'no answer within 2000 ms');
        checks[name] = { ok: true, latencyMs: Date.now() - t, ...(detail ? { detail } : {}) };
      } catch (err) {
        checks[name] = { ok: false, detail: (err as Error).message || String(err), latencyMs: Date.now() - t };
      }
    };
    await Promise.all([
      timed('postgres', async () => {
        await app.db.query('SELECT 1');
      }),
      timed('redis', async () => {
        const pong = await app.redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected reply ${pong}`);
      }),
      timed('migrations', async () => {
        const pending = await pendingMigrations(app.db);
        if (pending.length) throw new Error(`pending: ${pending.join(', ')}`);
        return 'current';
      }),
    ]);
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
};

export default health;
