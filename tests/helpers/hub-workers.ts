import pino from 'pino';
import type { TestContext } from './context.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from './env.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { startNotificationsWorker } from '../../workers/src/processors/notifications.js';
import { queueEmitter } from '../../server/src/realtime/emitter.js';
import { startRouter } from '../../workers/src/processors/router.js';
import { startLifecycleWorker } from '../../workers/src/processors/lifecycle.js';
import type { AutomationDeps } from '../../server/src/automation/engine.js';
import { createPool } from '../../server/src/db/pool.js';

/**
 * The workers of a test context, emitting through the realtime queue like production: delivery and
 * notifications; with `routing` also the router, with `routing` or `lifecycle` the lifecycle worker (onAssigned).
 */
export async function startHubWorkers(ctx: TestContext, o: { routing?: boolean; lifecycle?: boolean } = {}): Promise<() => Promise<void>> {
  const connection = createRedis(REDIS_URL, 'worker');
  const log = pino({ level: 'silent' });
  const realtime = queueEmitter(ctx.app.queues.realtime);
  const stops = [
    startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, realtime, connection, prefix: ctx.config.queuePrefix }),
    startNotificationsWorker({ db: ctx.db.pool, config: ctx.config, log, connection, prefix: ctx.config.queuePrefix }),
  ];
  if (o.routing) {
    const router = await startRouter({ db: ctx.db.pool, config: ctx.config, log, realtime });
    stops.push(() => router.close());
  }
  if (o.routing || o.lifecycle) {
    stops.push(startLifecycleWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, realtime, connection, prefix: ctx.config.queuePrefix }));
  }
  return async () => {
    for (const s of stops) await s();
    connection.disconnect();
  };
}

/**
 * The router as production runs it, beside a test's hub: its own pool and Redis connections, offers over the
 * /agent socket (not through the test context's pool). Returns its stop.
 */
export async function startOwnRouter(ctx: TestContext): Promise<() => Promise<void>> {
  const pool = createPool(ctx.db.url, 5);
  const router = await startRouter({ db: pool, config: ctx.config, log: pino({ level: 'silent' }) });
  return async () => {
    await router.close();
    await pool.end();
  };
}

/** What the automation worker runs rules with, built from a test context as the worker builds it from its own. */
export function automationDeps(ctx: TestContext): AutomationDeps {
  return {
    db: ctx.db.pool,
    queues: ctx.app.queues,
    realtime: queueEmitter(ctx.app.queues.realtime),
    store: ctx.app.store,
    outbound: { countries: ctx.config.outbound.countries, defaultCountry: ctx.config.twilio.defaultCountry },
    log: pino({ level: 'silent' }),
  };
}

export { waitFor } from './wait.js';

export async function signInAgent(ctx: TestContext, agent: { email: string; password: string }): Promise<string> {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } });
  return r.json().token;
}
