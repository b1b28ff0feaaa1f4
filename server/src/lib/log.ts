import type { LogFn } from 'pino';

/** The part of a logger shared code needs: satisfied by pino and by Fastify's request/app loggers. */
export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}
