import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ingestRawEmail } from './inbound.js';
import { loadMailbox, mailboxForRecipients } from './mailboxes.js';
import { badRequest } from '../../lib/errors.js';
import { ErrorView } from '../../schemas/common.js';

const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

const Result = Type.Object({
  stored: Type.String(),
  messageId: Type.String(),
  flags: Type.Array(Type.String()),
  interactionId: Type.Optional(Type.Integer()),
  caseId: Type.Optional(Type.Integer()),
  caseNumber: Type.Optional(Type.Integer()),
  duplicate: Type.Optional(Type.Boolean()),
  newCase: Type.Optional(Type.Boolean()),
});

/**
 * POST /webhooks/email/mime — providers that relay mail by webhook post the raw RFC 822 message.
 * Committed before the 2xx; a re-post of the same message is answered from the record (200).
 */
const emailWebhook: FastifyPluginAsyncTypebox = async (app) => {
  app.addContentTypeParser(['message/rfc822', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_MESSAGE_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/mime',
    {
      onRequest: [app.admitIngest, app.requireApiKey],
      bodyLimit: MAX_MESSAGE_BYTES,
      schema: {
        tags: ['channels'],
        summary: 'Ingest one raw RFC 822 email (Content-Type: message/rfc822; API-key authenticated)',
        security: [{ apiKey: [] }],
        querystring: Type.Object({ mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })) }),
        response: { 200: Result, 201: Result, 202: Result, 400: ErrorView, 401: ErrorView, 415: ErrorView, 503: ErrorView },
      },
    },
    async (req, reply) => {
      const raw = req.body as unknown;
      if (!Buffer.isBuffer(raw) || raw.length === 0) throw badRequest('the body must be a raw RFC 822 message (Content-Type: message/rfc822)');
      const key = app.config.encryptionKey;
      let mailbox = null;
      if (req.query.mailbox) {
        const m = req.query.mailbox;
        mailbox = /^\d{1,15}$/.test(m) ? await loadMailbox(app.db, key, Number(m)) : await mailboxForRecipients(app.db, key, [m]);
        if (!mailbox) throw badRequest(`mailbox "${m}" does not exist`, [{ field: 'mailbox', reason: 'unknown mailbox' }]);
      }
      const out = await ingestRawEmail(
        { ingest: app.ingestDeps, config: app.config, outbound: app.queues.outbound, log: req.log, realtime: app.realtime },
        raw,
        { mailbox, findMailbox: (r) => mailboxForRecipients(app.db, key, r), source: 'webhook' },
      );
      if (out.stored === 'raw-only') return reply.code(202).send({ stored: out.stored, messageId: out.messageId, flags: out.flags });
      app.metrics.ingested.inc({ channel: 'email', result: out.result.duplicate ? 'duplicate' : 'new' });
      const r = out.result;
      return reply.code(r.duplicate ? 200 : 201).send({
        stored: out.stored,
        messageId: out.messageId,
        flags: out.flags,
        interactionId: r.interactionId,
        caseId: r.caseId,
        caseNumber: r.caseNumber,
        duplicate: r.duplicate,
        newCase: r.newCase,
      });
    },
  );
};

export default emailWebhook;
