import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createArticle, getArticle, searchArticles, updateArticle } from '../../../kb/articles.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { audit } from '../../../audit/audit-log.js';
import { checkKbWrite, enforceVerdict } from '../../../access/policy.js';
import { KbArticle } from '../../../contracts/views.js';

/** the article schema lives with the other views the UIs read */
export const ArticleView = KbArticle;

const Language = Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' });
const fields = {
  title: Type.String({ minLength: 1, maxLength: 300 }),
  body: Type.String({ maxLength: 200_000 }),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  language: Type.Optional(Language),
  published: Type.Optional(Type.Boolean()),
  slug: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
};

/** Knowledge-base articles for staff: search (also drafts), write and publish. */
const kbArticles: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/kb/articles',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['kb'],
        summary: 'Search knowledge-base articles (full text, English and Persian)',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 300 })),
          language: Type.Optional(Language),
          category: Type.Optional(Type.String({ maxLength: 100 })),
          published: Type.Optional(Type.Boolean()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: { 200: Type.Array(ArticleView) },
      },
    },
    async (req) => {
      const rows = await searchArticles(app.db, app.config.publicUrl, { ...req.query, publishedOnly: req.query.published === true });
      return req.query.published === false ? rows.filter((a) => !a.published) : rows;
    },
  );

  app.get(
    '/kb/articles/:id',
    { preHandler: app.authenticate, schema: { tags: ['kb'], params: IdParams, response: { 200: ArticleView, 404: ErrorView } } },
    async (req) => getArticle(app.db, app.config.publicUrl, { id: req.params.id, publishedOnly: false }),
  );

  app.post(
    '/kb/articles',
    {
      preHandler: app.authenticate,
      schema: { tags: ['kb'], summary: 'Write an article (Markdown body)', body: Type.Object(fields), response: { 201: ArticleView, 400: ErrorView } },
    },
    async (req, reply) => {
      enforceVerdict(checkKbWrite(req.agent!, req.body));
      const a = await createArticle(app.db, app.config.publicUrl, req.agent!.id, req.body);
      await audit(app.db, { actorId: req.agent!.id, action: 'kb.article.create', entity: 'kb_article', entityId: a.id, after: a, ip: req.ip });
      return reply.code(201).send(a);
    },
  );

  app.patch(
    '/kb/articles/:id',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['kb'],
        summary: 'Edit or (un)publish an article',
        params: IdParams,
        body: Type.Partial(Type.Object({ ...fields, category: Type.String({ maxLength: 100 }), language: Language, published: Type.Boolean(), slug: Type.String({ minLength: 1, maxLength: 100 }) })),
        response: { 200: ArticleView, 404: ErrorView, 409: ErrorView },
      },
    },
    async (req) => {
      const before = await getArticle(app.db, app.config.publicUrl, { id: req.params.id, publishedOnly: false });
      enforceVerdict(checkKbWrite(req.agent!, req.body, before));
      const a = await updateArticle(app.db, app.config.publicUrl, req.params.id, req.body);
      await audit(app.db, { actorId: req.agent!.id, action: 'kb.article.update', entity: 'kb_article', entityId: a.id, before, after: a, ip: req.ip });
      return a;
    },
  );

  app.delete(
    '/kb/articles/:id',
    { preHandler: app.authenticate, schema: { tags: ['kb'], summary: 'Delete an article (supervisors)', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } },
    async (req, reply) => {
      const before = await getArticle(app.db, app.config.publicUrl, { id: req.params.id, publishedOnly: false });
      await app.db.query(`DELETE FROM kb_articles WHERE id = $1`, [req.params.id]);
      await audit(app.db, { actorId: req.agent!.id, action: 'kb.article.delete', entity: 'kb_article', entityId: req.params.id, before, ip: req.ip });
      return reply.code(204).send(null);
    },
  );
};

export default kbArticles;
