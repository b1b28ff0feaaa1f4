type ErrorLog = { error(obj: object, msg: string): void; fatal?(obj: object, msg: string): void };

/**
 * Last line of defence for a long-running process: a promise nobody awaited that rejects (typically
 * a connection dropped during a Postgres or Redis restart) is logged, not fatal — the code that
 * started it retries on its next tick. A synchronous exception nobody caught leaves the process in
 * an unknown state, so it is logged and the process exits for its supervisor (npm start, compose,
 * systemd) to restart it.
 */
export function installProcessGuards(log: ErrorLog): void {
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection (kept running)');
  });
  process.on('uncaughtException', (err) => {
    (log.fatal ?? log.error).call(log, { err }, 'uncaught exception; exiting');
    setTimeout(() => process.exit(1), 100).unref();
  });
}
