import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { HttpError, ServiceUnavailableError } from '../lib/errors.js';
import { InvalidIdentityError } from '../ingest/identity.js';
import { UnknownCaseError } from '../ingest/threading.js';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/unavailable.js';
import { isRedisUnavailable, REDIS_RETRY_AFTER_SECONDS } from '../lib/redis-unavailable.js';

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Bad input always gets a 4xx with the field and the reason; only our own bugs are 500s. */
export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError & { validation?: ValidationItem[]; validationContext?: string }, req, reply) => {
      if (err.validation) {
        const details = err.validation.map((v) => {
          const missing = v.params?.missingProperty ?? v.params?.requiredProperties;
          const base = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
          const field = [err.validationContext, base, Array.isArray(missing) ? missing.join(',') : missing].filter(Boolean).join('.');
          return { field, reason: v.message ?? 'invalid' };
        });
        return reply.code(400).send({
          error: 'Bad Request',
          message: details.map((d) => `${d.field}: ${d.reason}`).join('; '),
          details,
        });
      }
      if (err instanceof HttpError) {
        if (err instanceof ServiceUnavailableError) reply.header('retry-after', String(err.retryAfterSeconds));
        return reply.code(err.statusCode).send({ error: httpName(err.statusCode), message: err.message, details: err.details });
      }
      if (err instanceof InvalidIdentityError) return reply.code(400).send({ error: 'Bad Request', message: err.message });
      // Postgres "data exception" (SQLSTATE class 22: out-of-range number or date, malformed value) means a value from
      // the request got past validation; it is still the client's input, so answer 400 and log it to tighten the schema.
      if (typeof (err as { code?: unknown }).code === 'string' && /^22[0-9A-Z]{3}$/.test((err as { code: string }).code)) {
        req.log.warn({ err }, 'request value refused by the database');
        return reply.code(400).send({ error: 'Bad Request', message: 'a value in the request is out of range or malformed' });
      }
      if (err instanceof UnknownCaseError) {
        return reply.code(422).send({ error: 'Unprocessable Entity', message: err.message, details: [{ field: 'caseId', reason: 'not a case of this customer' }] });
      }
      // The database is away (restart, failover): nothing was committed, so the caller (a provider's
      // webhook retry, the agent UI, an API client) can simply send the same request again.
      if (isDatabaseUnavailable(err)) {
        req.log.warn({ err: { message: err.message, code: err.code } }, 'database unavailable');
        return reply
          .code(503)
          .header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS))
          .send({ error: 'Service Unavailable', message: 'temporarily unavailable, please retry shortly' });
      }
      // Redis is away: work that must be queued (a sign-in link, a notification) could not be handed over
      if (isRedisUnavailable(err)) {
        req.log.warn({ err: { message: err.message } }, 'redis unavailable');
        return reply
          .code(503)
          .header('Retry-After', String(REDIS_RETRY_AFTER_SECONDS))
          .send({ error: 'Service Unavailable', message: 'temporarily unavailable, please retry shortly' });
      }
      const status = err.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.code(status).send({ error: httpName(status), message: err.message });
      }
      req.log.error({ err }, 'unhandled error');
      return reply.code(500).send({ error: 'Internal Server Error', message: 'unexpected error; it has been logged' });
    });
  },
  { name: 'errors' },
);

function httpName(code: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 503: 'Service Unavailable' } as Record<number, string>
  )[code] ?? 'Error';
}
