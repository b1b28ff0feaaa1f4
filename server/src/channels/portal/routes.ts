import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { HttpError, badRequest, notFound } from '../../lib/errors.js';
import { normaliseIdentity, InvalidIdentityError } from '../../ingest/identity.js';
import { enqueueNotification } from '../../customer-messages/jobs.js';
import { getArticle, searchArticles } from '../../kb/articles.js';
import { renderArticle } from '../../kb/render.js';
import { decodeBase64Attachments } from '../../storage/attachment-policy.js';
import { rateCase } from './csat.js';
import { confirmPage } from './confirm-page.js';
import { csatGonePage, csatPage } from './csat-page.js';
import { csatRequest } from '../../customer-messages/notices.js';
import { PORTAL_CSP } from '../../routes/portal-ui.js';
import {
  PORTAL_COOKIE, consumeMagicLink, peekMagicLink, consumeSmsCode, countSignInRequest, createMagicLink, createPortalSession, createSmsCode,
  customerForSession, endPortalSession, type PortalCustomer, type SignInIdentity,
} from './sign-in.js';
import { categories, listRequests, ownCase, replyToRequest, reopenRequest, requestDetail, submitRequest, type PortalDeps } from './requests.js';
import { Id } from '../../schemas/common.js';
import { sendAttachment } from '../../storage/send-attachment.js';
import { checkPhoneNumber, destinationError } from '../../outbound/destination-policy.js';
import { PortalArticle, PortalCategory, PortalMe, PortalOrganisation, RequestDetail, RequestSummary } from '../../contracts/views.js';
import { organisationProfile } from '../../setup/organisation.js';

declare module 'fastify' {
  interface FastifyRequest {
    portalCustomer: PortalCustomer | null;
  }
}

const Language = Type.Union([Type.Literal('en'), Type.Literal('fa')]);
const NumberParams = Type.Object({ number: Id() });
const B64File = Type.Object({ filename: Type.String({ minLength: 1, maxLength: 255 }), contentType: Type.Optional(Type.String({ maxLength: 200 })), contentBase64: Type.String() });

function identityOf(kind: 'email' | 'phone', raw: string): SignInIdentity {
  try {
    return { kind, value: normaliseIdentity(kind, raw) };
  } catch (err) {
    if (err instanceof InvalidIdentityError) throw badRequest(err.message, [{ field: kind, reason: err.message }]);
    throw err;
  }
}

/** The customer portal: passwordless sign-in, own requests, knowledge base. Mounted at /portal. */
export const portalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps: PortalDeps = { db: app.db, ingestDeps: app.ingestDeps, realtime: app.realtime, routing: { db: app.db, queues: app.queues, realtime: app.realtime, log: app.log } };
  const cfg = app.config.portal;
  const secure = app.config.publicUrl.startsWith('https:');
  const ipLimit = { max: cfg.signInIpRateLimitMax, timeWindow: cfg.signInRateLimit.windowMs };
  // following a link or entering a code: tokens are unguessable, codes die after a few wrong tries
  const verifyLimit = { max: 60, timeWindow: 60_000 };
  const maxBytes = Math.min(cfg.maxAttachmentBytes, app.config.attachmentMaxBytes);

  app.decorateRequest('portalCustomer', null);
  const signedIn = async (req: FastifyRequest, reply: FastifyReply) => {
    const who = await customerForSession(app.db, req.cookies[PORTAL_COOKIE]);
    if (!who) return reply.code(401).send({ error: 'Unauthorized', message: 'sign in to the portal first' });
    req.portalCustomer = who;
  };
  const setSession = (reply: FastifyReply, token: string) =>
    reply.setCookie(PORTAL_COOKIE, token, { path: '/portal', httpOnly: true, sameSite: 'lax', secure, maxAge: cfg.sessionTtlHours * 3600 });

  // --- sign-in -------------------------------------------------------------------------------
  app.post(
    '/api/auth/magic-link',
    {
      config: { rateLimit: ipLimit },
      schema: { tags: ['portal'], summary: 'Email a one-time sign-in link', body: Type.Object({ email: Type.String({ maxLength: 320 }), language: Type.Optional(Language) }) },
    },
    async (req, reply) => {
      const id = identityOf('email', req.body.email);
      await countSignInRequest(app.redis, app.config.queuePrefix, `email:${id.value}`, cfg.signInRateLimit, req.log);
      const lang = req.body.language ?? 'en';
      const token = await createMagicLink(app.db, id, lang, cfg.magicLinkTtlMinutes);
      await enqueueNotification(app.queues.notifications, { kind: 'magic-link', to: id.value, language: lang, link: `${app.config.publicUrl}/portal/auth/verify?token=${encodeURIComponent(token)}` });
      // Same answer whether or not we know the address, so it cannot be used to probe for customers.
      return reply.code(202).send({ ok: true });
    },
  );

  // Mail scanners follow links: opening the link only shows a button; the POST spends the token.
  app.get(
    '/auth/verify',
    { config: { rateLimit: verifyLimit }, schema: { tags: ['portal'], summary: 'Open a magic link (confirmation page)', querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      const r = await peekMagicLink(app.db, req.query.token);
      if (!r.ok) return reply.redirect(`/portal/signin?error=link_${r.reason}`, 302);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'same-origin')
        .header('content-security-policy', PORTAL_CSP)
        .send(confirmPage(r.language, r.identity.value, req.query.token));
    },
  );

  app.post(
    '/auth/verify',
    { config: { rateLimit: verifyLimit }, schema: { tags: ['portal'], summary: 'Spend a magic link and sign in', body: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      // Only our own confirmation page may post here (no signing a victim into someone else's account).
      const origin = req.headers.origin;
      if (origin && origin !== new URL(app.config.publicUrl).origin) throw new HttpError(403, 'sign-in must come from the portal');
      const r = await consumeMagicLink(app.db, req.body.token);
      if (!r.ok) return reply.redirect(`/portal/signin?error=link_${r.reason}`, 303);
      const s = await createPortalSession(app.db, r.identity, r.language, cfg.sessionTtlHours);
      setSession(reply, s.token);
      return reply.redirect(`/portal/requests?lang=${r.language}`, 303);
    },
  );

  // The CSAT link sent after a solve (customer-messages/notices.ts): rate without signing in. Opening it
  // only shows the buttons; the POST (from this page only) records the rating, changeable while the link lives.
  const csatHtml = (reply: FastifyReply, html: string, code = 200) =>
    reply.code(code).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
      .header('content-security-policy', PORTAL_CSP).send(html);
  const CsatParams = Type.Object({ token: Type.String({ minLength: 20, maxLength: 200 }) });
  app.get('/csat/:token', { config: { rateLimit: verifyLimit }, schema: { tags: ['portal'], summary: 'Open a CSAT link (rating page)', params: CsatParams } }, async (req, reply) => {
    const q = await csatRequest(app.db, req.params.token);
    if (!q) return csatHtml(reply, csatGonePage(req.headers['accept-language']?.startsWith('fa') ? 'fa' : 'en'), 404);
    return csatHtml(reply, csatPage(q.language, q.number, req.params.token, q.rating));
  });
  app.post(
    '/csat/:token',
    {
      config: { rateLimit: verifyLimit },
      schema: {
        tags: ['portal'], summary: 'Rate a solved request from its CSAT link', params: CsatParams,
        body: Type.Object({ rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (req, reply) => {
      const origin = req.headers.origin;
      if (origin && origin !== new URL(app.config.publicUrl).origin) throw new HttpError(403, 'the rating must come from the rating page');
      const q = await csatRequest(app.db, req.params.token);
      if (!q) return csatHtml(reply, csatGonePage('en'), 404);
      await rateCase(app.db, { caseId: q.caseId, customerId: q.customerId, rating: req.body.rating, comment: req.body.comment?.trim() || undefined, source: 'link' });
      return csatHtml(reply, csatPage(q.language, q.number, req.params.token, req.body.rating, true));
    },
  );

  app.post(
    '/api/auth/sms-code',
    {
      config: { rateLimit: ipLimit },
      schema: { tags: ['portal'], summary: 'Text a one-time sign-in code', body: Type.Object({ phone: Type.String({ maxLength: 40 }), language: Type.Optional(Language) }) },
    },
    async (req, reply) => {
      const id = identityOf('phone', req.body.phone);
      // Anyone can ask for a code to any number: the same country and premium-rate rules as agents' texts.
      const refusal = checkPhoneNumber(app.config.outbound.countries, id.value);
      if (refusal) throw destinationError(refusal, 'phone');
      await countSignInRequest(app.redis, app.config.queuePrefix, `phone:${id.value}`, cfg.signInRateLimit, req.log);
      const lang = req.body.language ?? 'en';
      const code = await createSmsCode(app.db, id, lang, cfg.codeTtlMinutes);
      await enqueueNotification(app.queues.notifications, { kind: 'sms-code', to: id.value, code, language: lang });
      return reply.code(202).send({ ok: true });
    },
  );

  app.post(
    '/api/auth/sms-code/verify',
    {
      config: { rateLimit: verifyLimit },
      schema: { tags: ['portal'], summary: 'Sign in with the texted code', body: Type.Object({ phone: Type.String({ maxLength: 40 }), code: Type.String({ pattern: '^[0-9]{6}$' }) }) },
    },
    async (req, reply) => {
      const id = identityOf('phone', req.body.phone);
      const r = await consumeSmsCode(app.db, id, req.body.code);
      if (!r.ok) throw new HttpError(401, r.reason === 'expired' ? 'the code has expired; ask for a new one' : 'the code is not valid');
      const s = await createPortalSession(app.db, r.identity, r.language, cfg.sessionTtlHours);
      setSession(reply, s.token);
      return { ok: true };
    },
  );

  app.post('/api/auth/logout', { schema: { tags: ['portal'] } }, async (req, reply) => {
    const token = req.cookies[PORTAL_COOKIE];
    if (token) await endPortalSession(app.db, token);
    reply.clearCookie(PORTAL_COOKIE, { path: '/portal' });
    return { ok: true };
  });

  app.get('/api/me', { preHandler: signedIn, schema: { tags: ['portal'], response: { 200: PortalMe } } }, async (req) => {
    const w = req.portalCustomer!;
    return { name: w.name, language: w.language, identity: w.identity };
  });

  app.get(
    '/api/organisation',
    { schema: { tags: ['portal'], summary: 'Portal branding, default language and time zone (Admin → Settings)', response: { 200: PortalOrganisation } } },
    async () => organisationProfile(app.db),
  );

  // --- requests ------------------------------------------------------------------------------
  app.get('/api/categories', { schema: { tags: ['portal'], response: { 200: Type.Array(PortalCategory) } } }, async () => categories(app.db));

  app.get('/api/requests', { preHandler: signedIn, schema: { tags: ['portal'], summary: 'My requests', response: { 200: Type.Array(RequestSummary) } } }, async (req) => listRequests(app.db, req.portalCustomer!.customerId));

  app.post(
    '/api/requests',
    {
      preHandler: signedIn,
      bodyLimit: Math.ceil(maxBytes * 5 * 1.4) + 64 * 1024,
      schema: {
        tags: ['portal'],
        summary: 'Submit a request',
        body: Type.Object({
          subject: Type.String({ minLength: 1, maxLength: 300 }),
          description: Type.String({ minLength: 1, maxLength: 50_000 }),
          categoryId: Type.Optional(Id()),
          language: Type.Optional(Language),
          attachments: Type.Optional(Type.Array(B64File, { maxItems: 5 })),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!b.subject.trim() || !b.description.trim()) throw badRequest('subject and description must not be blank');
      const r = await submitRequest(deps, req.portalCustomer!, {
        subject: b.subject.trim(),
        description: b.description,
        categoryId: b.categoryId,
        language: b.language,
        attachments: decodeBase64Attachments(b.attachments ?? [], maxBytes),
      });
      return reply.code(201).send(r);
    },
  );

  app.get('/api/requests/:number', { preHandler: signedIn, schema: { tags: ['portal'], params: NumberParams, response: { 200: RequestDetail } } }, async (req) =>
    requestDetail(app.db, req.portalCustomer!.customerId, req.params.number),
  );

  app.post(
    '/api/requests/:number/replies',
    {
      preHandler: signedIn,
      bodyLimit: Math.ceil(maxBytes * 5 * 1.4) + 64 * 1024,
      schema: {
        tags: ['portal'],
        params: NumberParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 50_000 }), attachments: Type.Optional(Type.Array(B64File, { maxItems: 5 })) }),
      },
    },
    async (req, reply) => {
      if (!req.body.text.trim()) throw badRequest('text must not be blank');
      const r = await replyToRequest(deps, req.portalCustomer!, req.params.number, req.body.text, decodeBase64Attachments(req.body.attachments ?? [], maxBytes));
      return reply.code(201).send(r);
    },
  );

  app.post('/api/requests/:number/reopen', { preHandler: signedIn, schema: { tags: ['portal'], params: NumberParams } }, async (req) => {
    await reopenRequest(deps, req.portalCustomer!, req.params.number);
    return { ok: true };
  });

  app.post(
    '/api/requests/:number/rating',
    {
      preHandler: signedIn,
      schema: {
        tags: ['portal'],
        summary: 'Rate the resolution (CSAT 1-5)',
        params: NumberParams,
        body: Type.Object({ rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (req) => {
      const c = await ownCase(app.db, req.portalCustomer!.customerId, req.params.number);
      if (!['solved', 'closed'].includes(c.status)) throw new HttpError(409, 'a request can be rated once it is solved');
      await rateCase(app.db, { caseId: c.id, customerId: req.portalCustomer!.customerId, rating: req.body.rating, comment: req.body.comment, source: 'portal' });
      return { ok: true };
    },
  );

  app.get('/api/attachments/:id', { preHandler: signedIn, schema: { tags: ['portal'], params: Type.Object({ id: Id() }) } }, async (req, reply) => {
    const r = await app.db.query(
      `SELECT t.filename, t.content_type, t.storage_key FROM attachments t JOIN interactions i ON i.id = t.interaction_id JOIN cases c ON c.id = i.case_id
        WHERE t.id = $1 AND c.customer_id = $2 AND i.direction IN ('inbound', 'outbound')`,
      [req.params.id, req.portalCustomer!.customerId],
    );
    if (!r.rowCount) throw notFound('attachment');
    return sendAttachment(reply, app.store, r.rows[0]);
  });

  // --- knowledge base (public) ---------------------------------------------------------------
  app.get(
    '/api/kb',
    {
      schema: {
        tags: ['portal', 'kb'],
        summary: 'Search published articles; mode=any suggests articles for a subject being typed',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 300 })),
          language: Type.Optional(Language),
          category: Type.Optional(Type.String({ maxLength: 100 })),
          mode: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')])),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
        }),
        response: { 200: Type.Array(PortalArticle) },
      },
    },
    async (req) => {
      const rows = await searchArticles(app.db, app.config.publicUrl, { ...req.query, publishedOnly: true });
      return rows.map(({ body: _body, ...a }) => a);
    },
  );

  app.get('/api/kb/:slug', { schema: { tags: ['portal', 'kb'], params: Type.Object({ slug: Type.String({ maxLength: 200 }) }), response: { 200: PortalArticle } } }, async (req) => {
    const a = await getArticle(app.db, app.config.publicUrl, { slug: req.params.slug, publishedOnly: true });
    return { ...a, html: renderArticle(a.body) };
  });
};
