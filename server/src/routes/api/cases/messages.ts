import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createReply } from '../../../cases/reply.js';
import { notifyMentions } from '../../../cases/mentions.js';
import { emitCaseUpdated, emitInteractionNew } from '../../../cases/case-realtime.js';
import { NAMESPACES, rooms } from '../../../contracts/realtime.js';
import { decodeBase64Attachments } from '../../../storage/attachment-policy.js';
import { ErrorView, IdParams } from '../../../schemas/common.js';
import { bestEffort } from '../../../lib/best-effort.js';
import { ReplyBody } from '../../../contracts/views.js';

/** POST /api/v1/cases/:id/messages — an agent replies in the case's channel, or adds an internal note. */
const messages: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/cases/:id/messages',
    {
      preHandler: app.authenticate,
      bodyLimit: 40 * 1024 * 1024,
      schema: {
        tags: ['cases'],
        summary: 'Reply to the customer (queued for delivery through the channel) or add an internal note',
        params: IdParams,
        body: ReplyBody,
        response: {
          201: Type.Object({ interactionId: Type.Integer(), deliveryStatus: Type.String(), firstResponse: Type.Boolean() }),
          404: ErrorView,
          409: ErrorView,
          413: ErrorView,
          422: ErrorView,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const attachments = decodeBase64Attachments(b.attachments ?? [], app.config.attachmentMaxBytes);
      const result = await createReply(
        { db: app.db, queues: app.queues, store: app.store, outbound: { countries: app.config.outbound.countries, defaultCountry: app.config.twilio.defaultCountry }, log: req.log },
        {
          caseId: req.params.id,
          agentId: req.agent!.id,
          internal: b.internal,
          channel: b.channel,
          text: b.text,
          html: b.html,
          subject: b.subject,
          to: b.to,
          cc: b.cc,
          attachments,
          seenUpToId: b.confirm ? undefined : b.seenUpToId,
        },
      );
      // @mentions in a note notify those agents; the new entry shows up live for everyone on the case.
      if (b.internal) {
        const notes = await notifyMentions(app.db, { caseId: req.params.id, interactionId: result.interactionId, authorId: req.agent!.id, text: b.text });
        for (const n of notes) await app.realtime.emit({ nsp: NAMESPACES.agent, room: rooms.agent(n.agentId), event: 'notification', payload: n });
      }
      await emitInteractionNew(app.realtime, app.db, result.interactionId).catch((err) => req.log.warn({ err }, 'interaction:new emit failed'));
      if (result.firstResponse || !b.internal) await bestEffort(emitCaseUpdated(app.realtime, app.db, req.params.id), req.log, 'case:updated emit');
      return reply.code(201).send(result);
    },
  );
};

export default messages;
