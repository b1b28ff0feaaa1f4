import fp from 'fastify-plugin';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { createRedis } from '../lib/redis.js';
import { createQueues, type HubQueues } from '../lib/queues.js';
import { localDiskStore, type AttachmentStore } from '../storage/attachment-store.js';
import type { IngestDeps } from '../ingest/pipeline.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: pg.Pool;
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
    const db = opts.db ?? createPool(opts.config.databaseUrl, 10, app.log);
    const redis = opts.redis ?? createRedis(opts.config.redisUrl, 'producer');
    const queues = createQueues(redis, opts.config.queuePrefix);
    const store = localDiskStore(opts.config.storageDir);
    app.decorate('config', opts.config);
    app.decorate('db', db);
    app.decorate('redis', redis);
    app.decorate('queues', queues);
    app.decorate('store', store);
    app.decorate('ingestDeps', {
      db,
      store,
      routingQueue: queues.routing,
      threadWindowHours: opts.config.threadWindowHours,
      log: app.log,
    } satisfies IngestDeps);
    app.addHook('onClose', async () => {
      await queues.closeAll().catch(() => {});
      if (ownRedis) redis.disconnect();
      if (ownDb) await db.end();
    });
  },
  { name: 'core' },
);
