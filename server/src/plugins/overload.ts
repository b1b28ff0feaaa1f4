import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { createLimiter, type Limiter } from '../overload/admission.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that commit inbound messages: admits the request or answers 503 + Retry-After. */
    admitIngest: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    ingestLimiter: Limiter;
  }
}

/**
 * Graceful overload for ingest. Providers retry a 503 with Retry-After (Twilio also tries its fallback URL),
 * so when the hub cannot start committing a message within INGEST_QUEUE_WAIT_MS it says so at once instead of
 * answering a minute later, after the provider gave up and sent the message again.
 * Admission happens before the body is read, so refused requests cost neither parsing nor a connection.
 */
export default fp(
  async (app) => {
    const limits = app.config.ingestLimits;
    const limiter = createLimiter(limits);
    const refused = new Counter({
      name: 'contacthub_overload_refused_total',
      help: 'Requests answered 503 because the work in flight was at its limit',
      labelNames: ['limit', 'reason'],
      registers: [app.metrics.registry],
    });
    app.decorate('ingestLimiter', limiter);
    app.decorate('admitIngest', async (req: FastifyRequest, reply: FastifyReply) => {
      const a = await limiter.acquire();
      if (!a.ok) {
        refused.inc({ limit: 'ingest', reason: a.reason });
        req.log.warn({ reason: a.reason, inFlight: limiter.inFlight, waiting: limiter.waiting }, 'ingest at its limit: answered 503');
        return reply
          .code(503)
          .header('retry-after', String(limits.retryAfterSeconds))
          .send({ error: 'Service Unavailable', message: `the hub is at capacity; nothing was recorded, retry in ${limits.retryAfterSeconds} s` });
      }
      // freed when the response is sent ('finish') or the client went away ('close'), whichever comes first
      reply.raw.once('finish', a.release);
      reply.raw.once('close', a.release);
    });
  },
  { name: 'overload', dependencies: ['metrics', 'core'] },
);
