import { loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { createRedis } from '../lib/redis.js';
import { createQueues } from '../lib/queues.js';
import { localDiskStore } from '../storage/attachment-store.js';
import { DEMO_AGENTS, DEMO_PASSWORD, seedDemo } from './seed.js';

// Demo agents share a published password: they must never exist where real customers write in.
if (process.env.NODE_ENV !== 'development' && process.env.NODE_ENV !== 'test') {
  console.error(
    `Refusing to seed demo data: NODE_ENV is ${process.env.NODE_ENV ? `"${process.env.NODE_ENV}"` : 'unset'} (demo data is only for development or test).\n` +
      'For a production installation create the first admin with: npm run setup -- --admin-email you@example.com',
  );
  process.exit(1);
}
const config = loadConfig();
const db = createPool(config.databaseUrl);
const redis = createRedis(config.redisUrl, 'producer');
const queues = createQueues(redis, config.queuePrefix);
try {
  const r = await seedDemo(db, { db, store: localDiskStore(config.storageDir), routingQueue: queues.routing, threadWindowHours: config.threadWindowHours });
  if (r.seeded) {
    console.log('Demo data seeded. Sign in with any of these (password: %s):', DEMO_PASSWORD);
    for (const a of DEMO_AGENTS) console.log(`  ${a.role.padEnd(10)} ${a.email}`);
  } else {
    // every start, not only the first, tells how to sign in while the demo accounts are there
    const left = await db.query<{ email: string; role: string }>(`SELECT email, role FROM agents WHERE email = ANY($1) AND active ORDER BY id`, [DEMO_AGENTS.map((a) => a.email)]);
    if (left.rows.length > 0) {
      console.log('Demo data already there. Sign in with any of these (password: %s, unless changed):', DEMO_PASSWORD);
      for (const a of left.rows) console.log(`  ${a.role.padEnd(10)} ${a.email}`);
    } else console.log('Database already has agents; demo seed skipped.');
  }
} finally {
  await queues.closeAll();
  redis.disconnect();
  await db.end();
}
