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

  // A page to try the widget on: what a customer's site looks like with the one tag added.
  app.get('/widget/demo', { schema: { hide: true, querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['en', 'fa'] } } } } }, async (req, reply) => {
    const lang = (req.query as { lang?: string }).lang === 'fa' ? 'fa' : 'en';
    return reply.header('content-type', 'text/html; charset=utf-8').send(`<!doctype html>
<html lang="${lang}" dir="${lang === 'fa' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><title>Widget demo</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>${lang === 'fa' ? 'فروشگاه نمونه' : 'Example shop'}</h1>
<p>${lang === 'fa' ? 'دکمهٔ گفتگو در گوشهٔ صفحه است.' : 'The chat launcher is in the corner of this page.'}</p>
<pre>&lt;script src="${app.config.publicUrl}/widget.js" data-lang="${lang}" async&gt;&lt;/script&gt;</pre>
<script src="/widget.js" data-lang="${lang}" data-prechat="optional" async></script>
</body></html>`);
  });
};

export default widgetScript;
