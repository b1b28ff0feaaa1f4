import pino from 'pino';
import { loadConfigOrExit } from '../../server/src/config.js';
import { logRedaction } from '../../server/src/lib/log-redaction.js';
import { createPool } from '../../server/src/db/pool.js';
import { startRouter } from './processors/router.js';
import { installProcessGuards } from '../../server/src/lib/process-guards.js';

// A router on its own, to scale matching separately from the other workers (`npm run router`).
async function main() {
  const config = loadConfigOrExit();
  const log = pino({ level: config.logLevel, name: 'router', ...logRedaction });
  installProcessGuards(log);
  const db = createPool(config.databaseUrl, 10, { log });
  const router = await startRouter({ db, config, log });
  const shutdown = async () => {
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await router.close();
    await db.end();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  log.info('router started');
  if (process.send) process.send('ready');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
