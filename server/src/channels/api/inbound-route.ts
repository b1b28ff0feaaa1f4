import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ingest } from '../../ingest/pipeline.js';
import { badRequest } from '../../lib/errors.js';
import { decodeBase64Attachments } from '../../storage/attachment-policy.js';
import { CasePriorityT, CaseTypeT, ChannelT, ErrorView, IdentityKindT, Id } from '../../schemas/common.js';

const InboundBody = Type.Object({
  channel: Type.Optional(ChannelT),
  provider: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_.:-]+$' })),
  providerMessageId: Type.String({ minLength: 1, maxLength: 300 }),
  from: Type.Object({ kind: IdentityKindT, value: Type.String({ minLength: 1, maxLength: 320 }), name: Type.Optional(Type.String({ maxLength: 200 })) }),
  to: Type.Optional(Type.String({ maxLength: 320 })),
  subject: Type.Optional(Type.String({ maxLength: 500 })),
  text: Type.String({ maxLength: 200_000 }),
  html: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  caseId: Type.Optional(Id()),
  queue: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  priority: Type.Optional(CasePriorityT),
  type: Type.Optional(CaseTypeT),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
  language: Type.Optional(Type.String({ enum: ['en', 'fa'] })),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  attachments: Type.Optional(
    Type.Array(
      Type.Object({
        filename: Type.String({ minLength: 1, maxLength: 255 }),
        contentType: Type.Optional(Type.String({ maxLength: 200 })),
        contentBase64: Type.String(),
      }),
      { maxItems: 20 },
    ),
  ),
});

const InboundResult = Type.Object({
  interactionId: Type.Integer(),
  caseId: Type.Integer(),
  caseNumber: Type.Integer(),
  customerId: Type.Integer(),
  duplicate: Type.Boolean(),
  newCase: Type.Boolean(),
  queued: Type.Boolean(),
});

/** POST /api/v1/inbound: any system pushes a customer message into the hub. */
const inboundRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/inbound',
    {
      onRequest: [app.admitIngest, app.requireApiKey],
      bodyLimit: 40 * 1024 * 1024,
      schema: {
        tags: ['channels'],
        summary: 'Push an inbound customer message (API-key authenticated); a replayed providerMessageId changes nothing',
        security: [{ apiKey: [] }],
        body: InboundBody,
        response: { 200: InboundResult, 201: InboundResult, 400: ErrorView, 401: ErrorView, 413: ErrorView, 422: ErrorView, 503: ErrorView },
      },
    },
    async (req, reply) => {
      const b = req.body;
      let queueId: number | undefined;
      if (b.queue) {
        const q = await app.db.query(`SELECT id FROM queues WHERE name = $1`, [b.queue]);
        if (!q.rowCount) throw badRequest(`queue "${b.queue}" does not exist`, [{ field: 'queue', reason: 'unknown queue' }]);
        queueId = q.rows[0].id;
      }
      const attachments = decodeBase64Attachments(b.attachments ?? [], app.config.attachmentMaxBytes);
      const channel = b.channel ?? 'api';
      const result = await ingest(app.ingestDeps, {
        channel,
        provider: b.provider ?? 'api',
        providerMessageId: b.providerMessageId,
        from: b.from,
        to: b.to,
        subject: b.subject,
        text: b.text,
        html: b.html,
        attachments,
        threading: b.caseId ? { caseId: b.caseId, caseIdRequired: true } : undefined,
        caseDefaults: { queueId, priority: b.priority, type: b.type, tags: b.tags },
        customer: { name: b.from.name, language: b.language },
        metadata: b.metadata,
        raw: { ...b, attachments: attachments.map((a) => ({ filename: a.filename, size: a.content.length })) },
        rawHeaders: { 'user-agent': req.headers['user-agent'] ?? null, apiKeyId: req.apiKeyId },
      });
      app.metrics.ingested.inc({ channel, result: result.duplicate ? 'duplicate' : 'new' });
      return reply.code(result.duplicate ? 200 : 201).send(result);
    },
  );
};

export default inboundRoute;
