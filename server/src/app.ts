import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import { fallbackRateLimitStore } from './lib/rate-limit-store.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import ajvFormats from 'ajv-formats';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { trustProxyOption } from './lib/client-ip.js';
import { logRedaction } from './lib/log-redaction.js';
import core from './plugins/core.js';
import errors from './plugins/errors.js';
import inputGuard from './plugins/input-guard.js';
import metrics from './plugins/metrics.js';
import securityHeaders from './plugins/security-headers.js';
import csrf from './plugins/csrf.js';
import overload from './plugins/overload.js';
import auth from './plugins/auth.js';
import access from './plugins/access.js';
import realtime from './plugins/realtime.js';
import staffSessions from './plugins/staff-sessions.js';
import passwordRoutes from './routes/api/auth/password.js';
import health from './routes/health.js';
import authRoutes from './routes/api/auth/index.js';
import adminAgents from './routes/api/admin/agents.js';
import adminQueues from './routes/api/admin/queues.js';
import adminApiKeys from './routes/api/admin/api-keys.js';
import adminMailboxes from './routes/api/admin/mailboxes.js';
import adminSettings from './routes/api/admin/settings.js';
import adminOutbox from './routes/api/admin/outbox.js';
import adminBusinessHours from './routes/api/admin/business-hours.js';
import adminCustomerNotices from './routes/api/admin/customer-notices.js';
import adminAutomation from './routes/api/admin/automation.js';
import adminSlaPolicies from './routes/api/admin/sla-policies.js';
import adminAgentStates from './routes/api/admin/agent-states.js';
import agentStateRoutes from './routes/api/agent-states/index.js';
import profileRoutes from './routes/api/auth/profile.js';
import { channelAdapters } from './channels/index.js';
import caseMessages from './routes/api/cases/messages.js';
import voiceApi from './routes/api/voice/index.js';
import voiceStatus from './routes/api/voice/status.js';
import adminPhoneNumbers from './routes/api/admin/phone-numbers.js';
import adminPhoneNumberPrompts from './routes/api/admin/phone-number-prompts.js';
import voicePromptRoutes from './voice-prompts/routes.js';
import kpiRoutes from './routes/api/kpi/index.js';
import workspaceCases from './routes/api/cases/workspace.js';
import caseViewRoutes from './routes/api/views/index.js';
import caseSla from './routes/api/cases/sla.js';
import workspaceRealtime from './cases/case-realtime.js';
import customerRoutes from './routes/api/customers/index.js';
import searchRoutes from './routes/api/search/index.js';
import cannedResponseRoutes from './routes/api/canned-responses/index.js';
import notificationRoutes from './routes/api/notifications/index.js';
import workspaceSession from './routes/api/workspace/session.js';
import kbArticles from './routes/api/kb/articles.js';
import widgetScript from './routes/widget-script.js';
import portalUi from './routes/portal-ui.js';
import setupPage from './routes/setup.js';
import resetPasswordPage from './routes/reset-password.js';
import routingSockets from './routing/agent-socket.js';
import queueRoutes from './routes/api/queues/index.js';
import offerRoutes from './routes/api/offers/index.js';
import supervisorRoutes from './routes/api/supervisor/index.js';

export interface BuildOptions {
  config: Config;
  db?: pg.Pool;
  redis?: Redis;
  logger?: boolean | object;
  /** Called for every route as it is registered (e.g. tests that must cover every route). */
  onRoute?: (route: RouteOptions) => void;
}

/** Builds the HTTP app without listening, so tests and server.ts share one wiring. */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Redaction applies to every logger the app is given (a test's capturing stream included).
    logger: opts.logger === false ? false : { level: opts.config.logLevel, ...(typeof opts.logger === 'object' ? opts.logger : {}), ...logRedaction },
    trustProxy: trustProxyOption(opts.config),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true }, plugins: [ajvFormats as never] },
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);

  await app.register(core, { config: opts.config, db: opts.db, redis: opts.redis });
  await app.register(errors);
  await app.register(inputGuard);
  await app.register(metrics);
  await app.register(securityHeaders);
  await app.register(overload);
  await app.register(cookie);
  await app.register(csrf);
  await app.register(formbody);
  // counted in Redis, in this process while Redis does not answer (lib/rate-limit-store.ts): never let everything through
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    store: fallbackRateLimitStore(app.redis, `${opts.config.queuePrefix}:rl:`, app.log),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'contact-hub API', version: '1' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(auth);
  await app.register(access);
  await app.register(realtime);
  await app.register(staffSessions);
  await app.register(routingSockets);

  await app.register(health);
  await app.register(authRoutes, { prefix: '/api/v1/auth' });
  await app.register(passwordRoutes, { prefix: '/api/v1/auth' });
  await app.register(adminAgents, { prefix: '/api/v1/admin' });
  await app.register(adminQueues, { prefix: '/api/v1/admin' });
  await app.register(adminAutomation, { prefix: '/api/v1/admin' });
  await app.register(adminApiKeys, { prefix: '/api/v1/admin' });
  await app.register(adminMailboxes, { prefix: '/api/v1/admin' });
  await app.register(adminSettings, { prefix: '/api/v1/admin' });
  await app.register(adminOutbox, { prefix: '/api/v1/admin' });
  await app.register(adminBusinessHours, { prefix: '/api/v1/admin' });
  await app.register(adminCustomerNotices, { prefix: '/api/v1/admin' });
  await app.register(adminSlaPolicies, { prefix: '/api/v1/admin' });
  await app.register(adminAgentStates, { prefix: '/api/v1/admin' });
  await app.register(agentStateRoutes, { prefix: '/api/v1' });
  await app.register(profileRoutes, { prefix: '/api/v1/auth' });
  await app.register(caseMessages, { prefix: '/api/v1' });
  await app.register(voiceApi, { prefix: '/api/v1' });
  await app.register(voiceStatus, { prefix: '/api/v1' });
  await app.register(adminPhoneNumbers, { prefix: '/api/v1/admin' });
  await app.register(adminPhoneNumberPrompts, { prefix: '/api/v1/admin' });
  await app.register(voicePromptRoutes);
  await app.register(kpiRoutes, { prefix: '/api/v1' });
  await app.register(workspaceRealtime);
  await app.register(workspaceCases, { prefix: '/api/v1' });
  await app.register(caseViewRoutes, { prefix: '/api/v1' });
  await app.register(caseSla, { prefix: '/api/v1' });
  await app.register(customerRoutes, { prefix: '/api/v1' });
  await app.register(searchRoutes, { prefix: '/api/v1' });
  await app.register(cannedResponseRoutes, { prefix: '/api/v1' });
  await app.register(notificationRoutes, { prefix: '/api/v1' });
  await app.register(workspaceSession, { prefix: '/api/v1' });
  await app.register(kbArticles, { prefix: '/api/v1' });
  await app.register(widgetScript);
  await app.register(portalUi);
  await app.register(setupPage);
  await app.register(resetPasswordPage);
  await app.register(queueRoutes, { prefix: '/api/v1' });
  await app.register(offerRoutes, { prefix: '/api/v1' });
  await app.register(supervisorRoutes, { prefix: '/api/v1' });
  for (const adapter of channelAdapters) {
    if (adapter.routes) await app.register(adapter.routes.plugin, { prefix: adapter.routes.prefix });
  }

  const uiDir = path.resolve(opts.config.uiDistDir);
  const hasUi = existsSync(path.join(uiDir, 'index.html'));
  if (hasUi) await app.register(fastifyStatic, { root: uiDir, prefix: '/', wildcard: false });
  app.setNotFoundHandler((req, reply) => {
    // The agent UI is a single-page app: unknown non-API paths get its index.html.
    if (hasUi && req.method === 'GET' && !/^\/(api|webhooks|socket\.io|docs)\b/.test(req.url)) return reply.sendFile('index.html');
    return reply.code(404).send({ error: 'Not Found', message: `no route for ${req.method} ${req.url.split('?')[0]}` });
  });
  return app;
}
