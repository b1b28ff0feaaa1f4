import { Worker } from 'bullmq';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Log as Logger } from '../../../server/src/lib/log.js';
import type { Config } from '../../../server/src/config.js';
import { createRedis } from '../../../server/src/lib/redis.js';
import { createQueues, type HubQueues } from '../../../server/src/lib/queues.js';
import { QUEUE_NAMES, matchChannel, type RouterEventJob } from '../../../server/src/contracts/jobs.js';
import { streamEmitter, type RealtimeEmitter } from '../../../server/src/realtime/emitter.js';
import type { RoutingDeps } from '../../../server/src/lifecycle/deps.js';
import { runMatchPass } from '../../../server/src/routing/match.js';
import { scheduleWrapUpEnd } from '../../../server/src/lifecycle/signals.js';
import { endOverdueWrapUps, endWrapUpIfDue } from '../../../server/src/lifecycle/wrap-up.js';
import { rebuildRoutingQueue } from '../../../server/src/routing/rebuild.js';
import { expireDueOffers } from '../../../server/src/routing/expiry.js';
import { applyEscalations } from '../../../server/src/routing/escalation.js';
import { sweepPendingEnqueues } from '../../../server/src/lifecycle/queue.js';
import { publishWallboard } from '../../../server/src/realtime/wallboard.js';

/** A change is pushed this long after it was signalled (changes arriving together share one push)… */
const STATS_SOON_DELAY_MS = 150;
/** …and such early pushes, across all routers, at most this often. */
const STATS_SOON_LOCK_MS = 500;
/** The sweep (every router) expires only offers this far past their expiry: before that they are the lease holder's. */
const OVERDUE_GRACE_MS = 2000;
import { settleWithin } from '../../../server/src/lib/with-timeout.js';
import { releaseLongOfflineAssignments } from '../../../server/src/lifecycle/presence.js';
import { auditLeaselessAgents, scheduleLeaseAudit, sweepDeadLeases } from '../../../server/src/lifecycle/leases.js';
import { bestEffort, throttledWarn } from '../../../server/src/lib/best-effort.js';
import { startPassLease } from '../../../server/src/routing/pass-lease.js';

export interface RouterOptions {
  db: pg.Pool;
  config: Config;
  log: Logger;
  /** Defaults to queues on a connection of its own. */
  queues?: HubQueues;
  realtime?: RealtimeEmitter;
  concurrency?: number;
}

export interface RunningRouter {
  /** Names this router in `offered` events and logs. */
  id: string;
  /** Ask for a match pass (coalesced: at most one running and one pending per router). */
  requestPass(): void;
  /** Resolves when no pass is running or pending (tests, benchmarks). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The router: matches waiting cases to agents. Triggered by events (a case added to the routing
 * queue, `match` requests from presence changes, freed capacity and expired offers); a periodic sweep is
 * only the safety net, and rebuilds the Redis side from Postgres when Redis lost its data. Any
 * number of routers may run: decisions are made under Postgres row locks (routing/match.ts).
 */
export async function startRouter(opts: RouterOptions): Promise<RunningRouter> {
  const { config, log } = opts;
  const prefix = config.queuePrefix;
  const producer: Redis | null = opts.queues ? null : createRedis(config.redisUrl, 'producer');
  const queues = opts.queues ?? createQueues(producer!, prefix, log);
  const kv = createRedis(config.redisUrl, 'producer');
  const deps: RoutingDeps = {
    db: opts.db,
    queues,
    // offers go straight onto the sockets' Redis stream (one entry each)
    realtime: opts.realtime ?? streamEmitter(kv, prefix, log),
    settings: config.routing,
    log,
  };
  const blocking = createRedis(config.redisUrl, 'worker');
  let stopped = false;
  // names this router in `offered` events: which process decided is useful when reading a case's history
  const routerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  // ---- coalesced match passes ----
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      try {
        const t0 = performance.now();
        const r = await runMatchPass(deps, { routerId });
        if (r.offered) log.debug({ ...r, ms: Math.round(performance.now() - t0) }, 'match pass');
        if (r.contended && !stopped) {
          again = true;
          await new Promise((res) => setTimeout(res, 5 + Math.random() * 15));
        }
      } catch (err) {
        log.warn({ err }, 'match pass failed; the next trigger or sweep retries');
      }
    } while (again && !stopped);
    running = null;
  };
  const requestPass = () => {
    // another router holds the pass lease: it hears the same triggers and runs the pass
    if (stopped || !lease.holds()) return;
    if (running) {
      again = true;
      return;
    }
    running = loop();
  };

  const lease = startPassLease({
    redis: kv,
    key: `${prefix}:router:pass-lease`,
    holderId: routerId,
    leaseMs: config.routing.passLeaseMs,
    log,
    onAcquired: () => requestPass(),
  });

  // ---- triggers ----
  const worker = new Worker<RouterEventJob>(
    QUEUE_NAMES.routerEvents,
    async (job) => {
      if (job.data.type === 'match') return requestPass();
      if (job.data.type === 'wrap-up-end') {
        const left = await endWrapUpIfDue(deps, job.data.agentId);
        if (left != null) await scheduleWrapUpEnd(queues, job.data.agentId, left + 5, log);
      }
    },
    { connection: blocking, prefix, concurrency: opts.concurrency ?? 8 },
  );
  worker.on('error', (err) => log.warn({ err }, 'router worker error'));

  // freed capacity, an agent becoming Available (lifecycle effects), and every case put on the routing queue
  // (ingest, requeue, recovery: the routing queue announces each add, lib/queues.ts)
  const matchSub = createRedis(config.redisUrl, 'subscriber');
  matchSub.on('message', () => requestPass());
  await matchSub.subscribe(matchChannel(prefix)).catch((err) => log.warn({ err }, 'could not subscribe to match requests; the sweep still triggers passes'));

  // ---- safety net: rebuild after Redis data loss, lost timers, escalations ----
  const sentinel = `${prefix}:router:alive`;
  const rebuild = async (why: string) => {
    const r = await rebuildRoutingQueue(deps);
    if (r.cases || r.offersReissued || r.offersExpired) log.info({ ...r, why }, 'routing queue rebuilt from Postgres');
  };
  let sweeping = false;
  const sweep = async () => {
    if (sweeping || stopped) return;
    sweeping = true;
    try {
      // the sentinel disappears with the rest of Redis' data: that is when a rebuild is due
      if ((await kv.set(sentinel, String(Date.now()), 'NX')) === 'OK') {
        // presence leases went with the data: agents nobody re-registers are checked once live nodes had time to
        await scheduleLeaseAudit(deps, kv, prefix);
        await rebuild('redis data missing');
      }
      await sweepPendingEnqueues(deps.db, queues.routing, log);
      // what a stalled lease holder left: its own expiry tick normally takes them within a tick
      await expireDueOffers(deps, OVERDUE_GRACE_MS);
      await applyEscalations(deps);
      const dead = await sweepDeadLeases(deps, kv, prefix, config.routing.presenceGraceMs);
      if (dead.length) log.info({ agents: dead }, 'agents whose server node stopped renewing their presence leases set Offline');
      const leaseless = await auditLeaselessAgents(deps, kv, prefix);
      if (leaseless.length) log.info({ agents: leaseless }, 'agents present in Postgres without a presence lease after Redis lost its data set Offline');
      const released = await releaseLongOfflineAssignments(deps);
      if (released) log.info({ released }, 'written cases of long-offline agents back on the queue');
      const wrapped = await endOverdueWrapUps(deps);
      if (wrapped) log.info({ agents: wrapped }, 'wrap-ups whose timer was lost ended');
      requestPass();
    } catch (err) {
      log.warn({ err }, 'routing sweep failed; will retry');
    } finally {
      sweeping = false;
    }
  };
  // the fail-fast connection refuses commands until it is ready
  await new Promise<void>((resolve) => {
    if (kv.status === 'ready') return resolve();
    const t = setTimeout(resolve, 3000);
    kv.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
  await bestEffort(kv.set(sentinel, String(Date.now())), log, 'writing the router start sentinel');
  await rebuild('router start').catch((err) => log.warn({ err }, 'routing rebuild failed; the sweep retries'));
  const sweepTimer = setInterval(() => void sweep(), config.routing.sweepMs);
  requestPass();

  // ---- offer expiry (routing/expiry.ts): the pass-lease holder, every expiryTickMs ----
  let expiring = false;
  // the next tick retries (and the sweep): one warning a minute while Postgres keeps refusing
  const expiryFailed = throttledWarn(log, 'expiring offers failed; the next tick retries');
  const expireTick = async () => {
    if (expiring || stopped || !lease.holds()) return;
    expiring = true;
    try {
      await expireDueOffers(deps);
    } catch (err) {
      expiryFailed(err);
    } finally {
      expiring = false;
    }
  };
  const expiryTimer = setInterval(() => void expireTick(), config.routing.expiryTickMs);

  // ---- supervisor figures: only what changed (realtime/wallboard.ts) ----
  // Every tick one router publishes; a match request (presence, freed capacity, an arrival) also brings the
  // next publish forward, so a change reaches the screens well within a second even with a slower tick.
  let publishing = false;
  // figures are advisory and the next tick tries again: one warning a minute while this keeps failing
  const statsFailed = throttledWarn(log, 'live figures for supervisors could not be pushed');
  const publishStats = async (lock: string, lockMs: number) => {
    if (stopped || publishing) return;
    publishing = true;
    try {
      if ((await kv.set(`${prefix}:router:${lock}`, '1', 'PX', lockMs, 'NX')) !== 'OK') return;
      await publishWallboard({ db: deps.db, realtime: deps.realtime!, kv, prefix });
    } catch (err) {
      statsFailed(err);
    } finally {
      publishing = false;
    }
  };
  const statsTimer = setInterval(() => void publishStats('stats-lock', Math.max(50, config.routing.statsMs - 50)), config.routing.statsMs);
  let soon: ReturnType<typeof setTimeout> | null = null;
  const statsSoon = () => {
    if (soon || stopped) return;
    soon = setTimeout(() => {
      soon = null;
      void publishStats('stats-soon-lock', STATS_SOON_LOCK_MS);
    }, STATS_SOON_DELAY_MS);
  };
  matchSub.on('message', statsSoon);

  return {
    id: routerId,
    requestPass,
    async idle() {
      while (running) await running;
    },
    async close() {
      stopped = true;
      clearInterval(sweepTimer);
      clearInterval(expiryTimer);
      clearInterval(statsTimer);
      if (soon) clearTimeout(soon);
      await settleWithin(worker.close(), 3000);
      while (running) await running;
      await lease.release();
      if (!opts.queues) await bestEffort(queues.closeAll(), log, 'closing the router queues');
      matchSub.disconnect();
      producer?.disconnect();
      kv.disconnect();
      blocking.disconnect();
    },
  };
}
