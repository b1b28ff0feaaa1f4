import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorView, Id, SettablePresenceT } from '../../../schemas/common.js';
import { OfferPayload, PresencePayload } from '../../../contracts/views.js';
import { HttpError } from '../../../lib/errors.js';
import { acceptOffer, declineOffer, listAgentOffers } from '../../../lifecycle/offers.js';
import { setPresence } from '../../../lifecycle/presence.js';
import { presencePayload } from '../../../routing/load.js';

const OfferParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const REASON_STATUS: Record<string, number> = { not_found: 404, expired: 409, rescinded: 409, accepted: 409, declined: 409, timed_out: 409 };

/** REST equivalents of the /agent socket events, for clients without a socket. */
const offers: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.authenticate);

  app.get(
    '/agents/me/offers',
    { schema: { tags: ['routing'], summary: 'Offers waiting for my answer', response: { 200: Type.Array(OfferPayload) } } },
    async (req) => listAgentOffers(app.routingDeps, req.agent!.id),
  );

  app.post(
    '/offers/:id/accept',
    {
      schema: {
        tags: ['routing'],
        summary: 'Accept an offer: the case is assigned to me',
        params: OfferParams,
        response: { 200: Type.Object({ ok: Type.Literal(true), caseId: Type.Integer() }), 404: ErrorView, 409: ErrorView },
      },
    },
    async (req) => {
      const r = await acceptOffer(app.answerDeps, { offerId: req.params.id, agentId: req.agent!.id });
      if (!r.ok) throw new HttpError(REASON_STATUS[r.reason] ?? 409, `offer cannot be accepted: ${r.reason}`, { reason: r.reason });
      return r;
    },
  );

  app.post(
    '/offers/:id/decline',
    {
      schema: {
        tags: ['routing'],
        summary: 'Decline an offer: the case goes to the next agent, keeping its place',
        params: OfferParams,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) })),
        response: { 200: Type.Object({ ok: Type.Literal(true) }), 404: ErrorView, 409: ErrorView },
      },
    },
    async (req) => {
      const r = await declineOffer(app.answerDeps, { offerId: req.params.id, agentId: req.agent!.id, reason: req.body?.reason });
      if (!r.ok) throw new HttpError(REASON_STATUS[r.reason] ?? 409, `offer cannot be declined: ${r.reason}`, { reason: r.reason });
      return r;
    },
  );

  app.get(
    '/agents/me/presence',
    { schema: { tags: ['routing'], summary: 'My presence and load per channel (used/capacity)', response: { 200: PresencePayload } } },
    async (req) => presencePayload(app.db, req.agent!.id),
  );

  app.put(
    '/agents/me/presence',
    {
      schema: {
        tags: ['routing'],
        summary: 'Set my presence (Available receives offers; Available also ends my wrap-up); Away may name a break reason',
        body: Type.Object({ presence: SettablePresenceT, breakReasonId: Type.Optional(Type.Union([Id(), Type.Null()])) }),
        response: { 200: PresencePayload, 400: ErrorView },
      },
    },
    async (req) => (await setPresence(app.routingDeps, req.agent!.id, req.body.presence, 'agent', { breakReasonId: req.body.breakReasonId ?? null })).presence,
  );
};

export default offers;
