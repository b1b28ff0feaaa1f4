import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { passwordLinkOwner, spendPasswordLink } from '../auth/password-links.js';
import { completeFirstRun, firstRunTokenValid, organisationProblems, organisationSetUp, saveFirstOrganisation, type OrganisationInput } from '../setup/first-run.js';
import { withTransaction } from '../db/pool.js';
import { PASSWORD_LENGTH } from '../schemas/common.js';
import { esc, plainPage as page, timeZoneOptions } from './plain-page.js';

type Values = { organisationName?: string; language?: string; timeZone?: string; email?: string; adminName?: string };

const organisationFields = (v: Values, required = true) => `<fieldset><legend>Organisation</legend>
<label for="org">Organisation name</label><input id="org" name="organisationName"${required ? ' required' : ''} maxlength="200" value="${esc(v.organisationName ?? '')}">
<label for="lang">Default language</label><select id="lang" name="language"><option value="en"${v.language === 'fa' ? '' : ' selected'}>English</option><option value="fa"${v.language === 'fa' ? ' selected' : ''}>فارسی (Persian)</option></select>
<label for="tz">Time zone</label><select id="tz" name="timeZone">${timeZoneOptions(v.timeZone ?? 'UTC')}</select></fieldset>`;

const passwordFields = `<label for="p1">New password (at least ${PASSWORD_LENGTH.min} characters)</label><input id="p1" name="password" type="password" autocomplete="new-password" minlength="${PASSWORD_LENGTH.min}" required>
<label for="p2">Repeat it</label><input id="p2" name="confirm" type="password" autocomplete="new-password" required>`;

const err = (error?: string) => (error ? `<p class="err" role="alert">${esc(error)}</p>` : '');

/** `npm run setup`'s link: the admin exists; choose the password (and name the organisation if nobody did yet). */
const adminForm = (token: string, email: string, withOrganisation: boolean, v: Values = {}, error?: string) =>
  page(
    'Choose the admin password',
    `<p>Account: <strong>${esc(email)}</strong></p>${err(error)}
<form method="post" action="/setup"><input type="hidden" name="token" value="${esc(token)}">
${withOrganisation ? organisationFields(v, false) : ''}${passwordFields}
<button type="submit">Save and go to sign-in</button></form>`,
  );

/** `npm start`'s link on an installation without an admin: the organisation and its first admin. */
const firstRunForm = (token: string, v: Values = {}, error?: string) =>
  page(
    'Set up contact-hub',
    `<p>Name the organisation and create the first admin account.</p>${err(error)}
<form method="post" action="/setup"><input type="hidden" name="token" value="${esc(token)}">
${organisationFields(v)}<fieldset><legend>First admin</legend>
<label for="name">Your name</label><input id="name" name="adminName" required maxlength="200" value="${esc(v.adminName ?? '')}">
<label for="email">Your email</label><input id="email" name="email" type="email" required maxlength="200" value="${esc(v.email ?? '')}">
${passwordFields}</fieldset>
<button type="submit">Create and go to sign-in</button></form>`,
  );

const gone = page('Link not valid', '<p>This set-up link was already used or has expired. Restart the hub (<code>npm start</code>) or run <code>npm run setup -- --admin-email …</code> again for a new one.</p>');

/**
 * /setup — the one-time page behind the link `npm start` (first run) or `npm run setup` prints. No session
 * and no cookie: the token in the link is the only credential, spent on success; then the page is gone.
 */
const setupPage: FastifyPluginAsyncTypebox = async (app) => {
  const limit = { rateLimit: { max: 10, timeWindow: 60_000 } };
  app.get(
    '/setup',
    { config: limit, schema: { hide: true, querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      const { token } = req.query;
      if (await firstRunTokenValid(app.db, token)) return firstRunForm(token);
      const owner = await passwordLinkOwner(app.db, 'setup', token);
      if (!owner) return reply.code(404).send(gone);
      return adminForm(token, owner.email, !(await organisationSetUp(app.db)));
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
          organisationName: Type.Optional(Type.String({ maxLength: 500 })),
          language: Type.Optional(Type.String({ maxLength: 10 })),
          timeZone: Type.Optional(Type.String({ maxLength: 100 })),
          email: Type.Optional(Type.String({ maxLength: 500 })),
          adminName: Type.Optional(Type.String({ maxLength: 500 })),
        }),
      },
    },
    async (req, reply) => {
      const html = !req.headers['content-type']?.startsWith('application/json');
      const { token, password, confirm, ...v } = req.body;
      const organisation = { name: v.organisationName ?? '', language: v.language as OrganisationInput['language'], timeZone: v.timeZone ?? '' };
      const firstRun = await firstRunTokenValid(app.db, token);
      const owner = firstRun ? null : await passwordLinkOwner(app.db, 'setup', token);
      const withOrganisation = firstRun || (!!owner && !(await organisationSetUp(app.db)));
      // `npm run setup`'s page offers the organisation fields; left empty, Admin → Settings names it later
      const namesOrganisation = !firstRun && withOrganisation && !!organisation.name.trim();
      const fail = (status: number, reason: string, details?: unknown) => {
        if (!html) return reply.code(status).send({ error: status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Bad Request', message: reason, details });
        const body = firstRun ? firstRunForm(token, v, reason) : owner ? adminForm(token, owner.email, withOrganisation, v, reason) : page('Link not valid', `<p>${esc(reason)}</p>`);
        return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(body);
      };
      if (confirm !== undefined && confirm !== password) return fail(400, 'the two passwords differ');
      let email: string;
      if (firstRun) {
        const r = await completeFirstRun(app.db, token, { ...organisation, email: v.email ?? '', adminName: v.adminName ?? '', password }, req.ip);
        if (!r.ok) return fail(r.status, r.reason, r.details);
        email = r.email;
      } else {
        if (namesOrganisation) {
          const problems = organisationProblems(organisation);
          if (problems.length) return fail(400, problems.map((p) => p.reason).join('; '), problems);
        }
        const r = await spendPasswordLink(app.db, 'setup', token, password, req.ip);
        if (!r.ok) return fail(r.status, r.reason);
        if (namesOrganisation && owner) await withTransaction(app.db, (tx) => saveFirstOrganisation(tx, organisation, owner.agentId));
        email = r.email;
      }
      if (!html) return { ok: true, email };
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(page('Password saved', `<p>You can now sign in as <strong>${esc(email)}</strong>.</p><p><a href="/">Go to sign-in</a></p>`));
    },
  );
};

export default setupPage;
