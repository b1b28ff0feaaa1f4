import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { setupTokenOwner, spendSetupToken } from '../setup/first-admin.js';
import { PASSWORD_LENGTH } from '../schemas/common.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · contact-hub</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
label{display:block;margin:1rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}
.err{color:#b91c1c}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

const form = (token: string, email: string, error?: string) =>
  page(
    'Choose the admin password',
    `<p>Account: <strong>${esc(email)}</strong></p>${error ? `<p class="err">${esc(error)}</p>` : ''}
<form method="post" action="/setup"><input type="hidden" name="token" value="${esc(token)}">
<label for="p1">New password (at least ${PASSWORD_LENGTH.min} characters)</label><input id="p1" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<label for="p2">Repeat it</label><input id="p2" name="confirm" type="password" autocomplete="new-password" required>
<button type="submit">Save and go to sign-in</button></form>`,
  );

/**
 * /setup — the one-time page behind the link `npm run setup` prints. No session and no cookie: the
 * token in the link is the only credential, spent on success.
 */
const setupPage: FastifyPluginAsyncTypebox = async (app) => {
  const limit = { rateLimit: { max: 10, timeWindow: 60_000 } };
  app.get(
    '/setup',
    { config: limit, schema: { hide: true, querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      const owner = await setupTokenOwner(app.db, req.query.token);
      if (!owner) return reply.code(404).send(page('Link not valid', '<p>This set-up link was already used or has expired. Run <code>npm run setup -- --admin-email …</code> again for a new one.</p>'));
      return form(req.query.token, owner.email);
    },
  );
  app.post(
    '/setup',
    {
      config: limit,
      schema: {
        hide: true,
        body: Type.Object({
          token: Type.String({ minLength: 1, maxLength: 200 }),
          password: Type.String({ maxLength: 500 }),
          confirm: Type.Optional(Type.String({ maxLength: 500 })),
        }),
      },
    },
    async (req, reply) => {
      const html = !req.headers['content-type']?.startsWith('application/json');
      const { token, password, confirm } = req.body;
      const owner = await setupTokenOwner(app.db, token);
      const fail = (status: number, reason: string) =>
        html
          ? reply.code(status).header('content-type', 'text/html; charset=utf-8').send(owner ? form(token, owner.email, reason) : page('Link not valid', `<p>${esc(reason)}</p>`))
          : reply.code(status).send({ error: status === 404 ? 'Not Found' : 'Bad Request', message: reason });
      if (confirm !== undefined && confirm !== password) return fail(400, 'the two passwords differ');
      const r = await spendSetupToken(app.db, token, password, req.ip);
      if (!r.ok) return fail(r.status, r.reason);
      if (!html) return { ok: true, email: r.email };
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(page('Password saved', `<p>You can now sign in as <strong>${esc(r.email)}</strong>.</p><p><a href="/">Go to sign-in</a></p>`));
    },
  );
};

export default setupPage;
