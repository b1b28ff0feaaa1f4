import fp from 'fastify-plugin';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { createRedis } from '../lib/redis.js';
import { createQueues, type HubQueues } from '../lib/queues.js';
import { localDiskStore, type AttachmentStore } from '../storage/attachment-store.js';
import type { IngestDeps } from '../ingest/pipeline.js';
import { bestEffort } from '../lib/best-effort.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** The UI's reads and everything without a pool of its own. */
    db: pg.Pool;
    /** Committing inbound messages (ingest): a flood of messages cannot take the UI's connections. */
    ingestDb: pg.Pool;
    /** Offers, accepts and presence on this node. */
    routingDb: pg.Pool;
    /** offer answers (accept, decline): a pool of their own (config.dbPools.answers) */
    answersDb: pg.Pool;
    redis: Redis;
    queues: HubQueues;
    store: AttachmentStore;
    ingestDeps: IngestDeps;
  }
}

export interface CoreOptions {
  config: Config;
  db?: pg.Pool;
  redis?: Redis;
}

/** Connections shared by every route: Postgres pool, Redis, BullMQ producers, attachment storage. */
export default fp<CoreOptions>(
  async (app, opts) => {
    const ownDb = !opts.db;
    const ownRedis = !opts.redis;
    const pools = opts.config.dbPools;
    const db = opts.db ?? createPool(opts.config.databaseUrl, pools.main, { log: app.log });
    // a pool handed in (tests) serves every kind of work
    // a message that cannot get a connection or finish a statement within seconds is refused (503), not kept waiting
    const ingestDb =
      opts.db ??
      createPool(opts.config.databaseUrl, pools.ingest, {
        log: app.log,
        connectionTimeoutMillis: opts.config.ingestLimits.maxWaitMs,
        statement_timeout: opts.config.ingestLimits.statementTimeoutMs,
      });
    const routingDb = opts.db ?? createPool(opts.config.databaseUrl, pools.routing, { log: app.log });
    // an agent answering an offer has seconds to do it: solves, macros and presence changes queueing for the
    // routing pool under load must not make the answer wait for a connection past its client's patience
    const answersDb = opts.db ?? createPool(opts.config.databaseUrl, pools.answers, { log: app.log });
    const redis = opts.redis ?? createRedis(opts.config.redisUrl, 'producer');
    const queues = createQueues(redis, opts.config.queuePrefix, app.log);
    const store = localDiskStore(opts.config.storageDir, { maxBytes: opts.config.attachmentMaxBytes });
    app.decorate('config', opts.config);
    app.decorate('db', db);
    app.decorate('ingestDb', ingestDb);
    app.decorate('routingDb', routingDb);
    app.decorate('answersDb', answersDb);
    app.decorate('redis', redis);
    app.decorate('queues', queues);
    app.decorate('store', store);
    app.decorate('ingestDeps', {
      db: ingestDb,
      store,
      routingQueue: queues.routing,
      threadWindowHours: opts.config.threadWindowHours,
      retryAfterSeconds: opts.config.ingestLimits.retryAfterSeconds,
      log: app.log,
    } satisfies IngestDeps);
    app.addHook('onClose', async () => {
      await bestEffort(queues.closeAll(), app.log, 'closing the queues');
      if (ownRedis) redis.disconnect();
      if (ownDb) await Promise.all([db.end(), ingestDb.end(), routingDb.end(), answersDb.end()]);
    });
  },
  { name: 'core' },
);
