import pino from 'pino';
import { loadConfigOrExit } from '../../server/src/config.js';
import { logRedaction } from '../../server/src/lib/log-redaction.js';
import { startWorkers } from './start-workers.js';
import { installProcessGuards } from '../../server/src/lib/process-guards.js';

async function main() {
  const config = loadConfigOrExit();
  const log = pino({ level: config.logLevel, name: 'workers', ...logRedaction });
  installProcessGuards(log);
  const workers = await startWorkers({ config, log });
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'workers shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await workers.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  log.info('workers started');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
