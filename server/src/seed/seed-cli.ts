import { loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { createRedis } from '../lib/redis.js';
import { createQueues } from '../lib/queues.js';
import { localDiskStore } from '../storage/attachment-store.js';
import { DEMO_AGENTS, DEMO_PASSWORD, seedDemo } from './seed.js';

const config = loadConfig();
const db = createPool(config.databaseUrl);
const redis = createRedis(config.redisUrl, 'producer');
const queues = createQueues(redis, config.queuePrefix);
try {
  const r = await seedDemo(db, { db, store: localDiskStore(config.storageDir), routingQueue: queues.routing, threadWindowHours: config.threadWindowHours });
  if (r.seeded) {
    console.log('Demo data seeded. Sign in with any of these (password: %s):', DEMO_PASSWORD);
    for (const a of DEMO_AGENTS) console.log(`  ${a.role.padEnd(10)} ${a.email}`);
  } else console.log('Database already has agents; demo seed skipped.');
} finally {
  await queues.closeAll();
  redis.disconnect();
  await db.end();
}
