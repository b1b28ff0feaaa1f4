import { loadConfigOrExit } from './config.js';
import { buildApp } from './app.js';
import { installProcessGuards } from './lib/process-guards.js';

async function main() {
  const config = loadConfigOrExit();
  const app = await buildApp({ config });
  installProcessGuards(app.log);
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
