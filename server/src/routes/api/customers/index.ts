import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { addIdentity, getCustomer, mergeCustomers, removeIdentity, updateCustomer } from '../../../customers/profile.js';
import { customerTimeline } from '../../../cases/timeline.js';
import { IdParams, IdentityKindT, Id } from '../../../schemas/common.js';
import { caseScope, type Actor } from '../../../access/policy.js';
import { CustomerProfile, TimelinePage } from '../../../contracts/views.js';

/** Customer profile in the workspace: details, identities on every channel, merge. */
const customers: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);
  // the profile lists only the cases the reader may open (access/policy.ts)
  const scopeOf = (me: Actor) => (alias: string, params: unknown[]) => caseScope(me, app.config.agentCaseAccess, alias, params);

  app.get('/customers/:id', { schema: { tags: ['customers'], summary: 'Profile with identities and recent cases', params: IdParams, response: { 200: CustomerProfile } } }, async (req) =>
    getCustomer(app.db, req.params.id, scopeOf(req.agent!)),
  );

  app.get(
    '/customers/:id/timeline',
    {
      schema: {
        tags: ['customers'],
        summary: "The customer's interactions on every channel, newest first",
        params: IdParams,
        querystring: Type.Object({ before: Type.Optional(Type.String({ maxLength: 80 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        response: { 200: TimelinePage },
      },
    },
    // entries of cases the reader may not open stay out (access/policy.ts)
    async (req) => customerTimeline(app.db, req.params.id, { ...req.query, scope: scopeOf(req.agent!) }),
  );

  app.patch(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'Change name, language, tier, tags or notes',
        params: IdParams,
        body: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 200 })),
          language: Type.Optional(Type.String({ enum: ['en', 'fa'] })),
          tier: Type.Optional(Type.Union([Type.Literal('standard'), Type.Literal('vip')])),
          tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 30 })),
          notes: Type.Optional(Type.String({ maxLength: 10_000 })),
        }),
      },
    },
    async (req) => {
      await updateCustomer(app.db, req.params.id, req.agent!.id, req.body);
      return getCustomer(app.db, req.params.id, scopeOf(req.agent!));
    },
  );

  app.post(
    '/customers/:id/identities',
    {
      schema: {
        tags: ['customers'],
        summary: 'Add a phone, email or other identity (normalised; must not belong to another customer)',
        params: IdParams,
        body: Type.Object({ kind: IdentityKindT, value: Type.String({ minLength: 1, maxLength: 320 }) }),
      },
    },
    async (req, reply) => {
      await addIdentity(app.db, req.params.id, req.agent!, req.body.kind, req.body.value);
      return reply.code(201).send(await getCustomer(app.db, req.params.id, scopeOf(req.agent!)));
    },
  );

  app.delete(
    '/customers/:id/identities/:identityId',
    { schema: { tags: ['customers'], params: Type.Object({ id: Id(), identityId: Id() }) } },
    async (req) => {
      await removeIdentity(app.db, req.params.id, req.agent!.id, req.params.identityId);
      return getCustomer(app.db, req.params.id, scopeOf(req.agent!));
    },
  );

  app.post(
    '/customers/:id/merge',
    {
      schema: {
        tags: ['customers'],
        summary: 'Merge another customer into this one: identities, cases and history join',
        params: IdParams,
        body: Type.Object({ sourceId: Id() }),
      },
    },
    async (req) => {
      await mergeCustomers(app.db, req.body.sourceId, req.params.id, req.agent!.id);
      return getCustomer(app.db, req.params.id, scopeOf(req.agent!));
    },
  );
};

export default customers;
