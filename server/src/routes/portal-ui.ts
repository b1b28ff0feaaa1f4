import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HTML_CSP } from '../plugins/security-headers.js';

/** The hub's one page policy (plugins/security-headers.ts), also set explicitly on the portal's own pages. */
export const PORTAL_CSP = HTML_CSP;

/** The portal single-page app at /portal: built assets, and index.html for its client-side routes. */
const portalUi: FastifyPluginAsync = async (app) => {
  const root = path.resolve(app.config.portal.distDir);
  const index = path.join(root, 'index.html');
  if (existsSync(path.join(root, 'assets'))) {
    await app.register(fastifyStatic, { root: path.join(root, 'assets'), prefix: '/portal/assets/', decorateReply: false, index: false });
  }
  const sendIndex = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    if (!existsSync(index)) return reply.code(404).send({ error: 'Not Found', message: 'the portal is not built (npm run build:portal)' });
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await readFile(index));
  };
  app.get('/portal', { schema: { hide: true } }, (_req, reply) => reply.redirect('/portal/', 302));
  app.get('/portal/', { schema: { hide: true } }, sendIndex);
  app.get('/portal/*', { schema: { hide: true } }, async (req, reply) => {
    if (req.url.startsWith('/portal/api/')) return reply.code(404).send({ error: 'Not Found', message: `no route for GET ${req.url.split('?')[0]}` });
    return sendIndex(req, reply);
  });
};

export default portalUi;
