import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { safeEqual } from '../lib/tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; ingested: Counter<'channel' | 'result'> };
  }
}

/** Prometheus metrics at /metrics (bearer METRICS_TOKEN): HTTP latency per route, ingested messages per channel, process defaults. */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'contacthub_' });
    const http = new Histogram({
      name: 'contacthub_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    const ingested = new Counter({
      name: 'contacthub_ingested_messages_total',
      help: 'Inbound messages by channel and result (new, duplicate)',
      labelNames: ['channel', 'result'],
      registers: [registry],
    });
    app.decorate('metrics', { registry, ingested });
    app.addHook('onResponse', async (req, reply) => {
      http.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    // Metrics reveal traffic and internals: only a scraper holding METRICS_TOKEN reads them.
    const token = app.config.metricsToken;
    app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
      if (!token) return reply.code(404).send({ error: 'Not Found', message: 'metrics are off; set METRICS_TOKEN to serve them to a scraper with that bearer token' });
      const h = req.headers.authorization;
      if (!h?.startsWith('Bearer ') || !safeEqual(h.slice(7).trim(), token)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Unauthorized', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
      }
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics', dependencies: ['core'] },
);
