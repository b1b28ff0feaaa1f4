import type { FastifyPluginAsync } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** GET /widget.js — the embeddable chat widget bundle, loadable from any site. */
const widgetScript: FastifyPluginAsync = async (app) => {
  const file = path.resolve(app.config.chat.widgetDistDir, 'widget.js');
  app.get('/widget.js', { schema: { hide: true } }, async (_req, reply) => {
    let js: Buffer;
    try {
      js = await readFile(file);
    } catch {
      return reply.code(404).send({ error: 'Not Found', message: 'the widget is not built (npm run build:widget)' });
    }
    return reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=300')
      .send(js);
  });
};

export default widgetScript;
