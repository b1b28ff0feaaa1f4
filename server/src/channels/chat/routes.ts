import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { HttpError, badRequest, notFound } from '../../lib/errors.js';
import { ingest } from '../../ingest/pipeline.js';
import { normaliseIdentity, InvalidIdentityError } from '../../ingest/identity.js';
import { createVisitor, updateVisitor, visitorForToken, type Visitor } from './visitors.js';
import { currentCase, messagesOf, postVisitorMessage, queueStatus, type ChatDeps } from './conversation.js';
import { chatAvailability } from './availability.js';
import { registerVisitorNamespace } from './visitor-socket.js';
import { sendAttachment } from '../../storage/send-attachment.js';
import { ErrorView, Id } from '../../schemas/common.js';
import { ChatStatus, OfflineMessageAccepted, Ok, VisitorCreated, VisitorMessage, WidgetConversation } from '../../contracts/views.js';
import { decodeBase64Attachments } from '../../storage/attachment-policy.js';
import { confirmTranscript, peekConfirmation } from './transcripts.js';
import { transcriptConfirmPage, transcriptResultPage } from './confirm-page.js';
import { emailIsOwned, offlineClaimant } from '../../customers/claimed-email.js';
import { WindowLimiter, tooManyRequests, type WindowRule } from '../../limits/window-limiter.js';
import { VISITOR_HEADER } from '../../contracts/visitor.js';
export { VISITOR_HEADER };

const errors = { 400: ErrorView, 401: ErrorView };
const Language = Type.Union([Type.Literal('en'), Type.Literal('fa')]);
const Email = Type.String({ maxLength: 320, pattern: '^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$' });
const B64File = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.Optional(Type.String({ maxLength: 200 })),
  contentBase64: Type.String(),
});

/** HTTP side of the chat widget: visitor sign-up, history, uploads, availability and offline messages. */
export const chatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps: ChatDeps = {
    db: app.db,
    ingestDeps: app.ingestDeps,
    realtime: app.realtime,
    routing: { db: app.db, queues: app.queues, realtime: app.realtime, log: app.log },
    notifications: app.queues.notifications,
    publicUrl: app.config.publicUrl,
    config: app.config,
    limiter: new WindowLimiter(app.redis, app.config.queuePrefix, app.log),
  };
  registerVisitorNamespace(app, deps);

  // The widget runs on customers' own sites: any origin may call, with the visitor token in a
  // header (never a cookie), so allowing every origin exposes nothing a page could not already send.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-allow-headers', `content-type, ${VISITOR_HEADER}`);
    reply.header('access-control-allow-methods', 'GET, POST, PATCH, OPTIONS');
    reply.header('access-control-max-age', '600');
    if (req.method === 'OPTIONS') return reply.code(204).send();
  });
  app.options('/api/*', { schema: { hide: true } }, async (_req, reply) => reply.code(204).send());

  const visitorOf = async (req: FastifyRequest): Promise<Visitor> => {
    const token = (req.headers[VISITOR_HEADER] as string | undefined) ?? (req.query as { token?: string } | undefined)?.token;
    const v = await visitorForToken(app.db, token);
    if (!v) throw new HttpError(401, 'visitor token missing or unknown');
    return v;
  };
  const maxBytes = Math.min(app.config.chat.maxAttachmentBytes, app.config.attachmentMaxBytes);
  const perIp = { max: 30, timeWindow: 60_000 };

  app.get('/api/status', { schema: { tags: ['chat'], summary: 'Whether live chat is offered right now', response: { 200: ChatStatus } } }, async () => ({
    ...(await chatAvailability(app.db, app.config)),
    maxAttachmentBytes: maxBytes,
  }));

  app.post(
    '/api/visitors',
    {
      config: { rateLimit: perIp },
      schema: {
        tags: ['chat'],
        summary: 'Start as a chat visitor (token is kept by the widget)',
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), email: Type.Optional(Email), language: Type.Optional(Language) }),
        response: { 201: VisitorCreated, ...errors },
      },
    },
    async (req, reply) => {
      const { visitor, token } = await createVisitor(app.db, { ...req.body, name: req.body.name?.trim() || undefined });
      return reply.code(201).send({ visitorId: visitor.id, token });
    },
  );

  app.patch(
    '/api/visitor',
    {
      schema: {
        tags: ['chat'],
        summary: 'Change the visitor’s name, email or language',
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), email: Type.Optional(Email), language: Type.Optional(Language) }),
        response: { 200: Ok, ...errors },
      },
    },
    async (req) => {
      const v = await visitorOf(req);
      await updateVisitor(app.db, v.id, req.body);
      return { ok: true as const };
    },
  );

  app.get('/api/conversation', { schema: { tags: ['chat'], summary: 'The visitor’s ongoing conversation', response: { 200: WidgetConversation, ...errors } } }, async (req) => {
    const v = await visitorOf(req);
    const open = await currentCase(app.db, v.id);
    return {
      visitor: { id: v.id, name: v.name, email: v.email, language: v.language },
      caseId: open?.id ?? null,
      caseNumber: open?.number ?? null,
      messages: open ? await messagesOf(app.db, open.id) : [],
      status: await queueStatus(app.db, open?.id ?? null),
    };
  });

  // The socket paces each connection; this HTTP path (used for uploads) is limited per visitor and per client IP,
  // before the body is read: messages per minute, and bytes per hour (the declared length, or the most a body may be).
  const messageBodyLimit = Math.ceil(maxBytes * 1.4) + 64 * 1024;
  const limitHttpMessage = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = (req.headers[VISITOR_HEADER] as string | undefined) ?? (req.query as { token?: string } | undefined)?.token;
    if (typeof token !== 'string' || !token) throw new HttpError(401, 'visitor token missing or unknown');
    const visitorKey = `token:${token}`; // the token is the visitor's secret: a per-visitor key without a lookup
    const per = app.config.chat;
    const minute = 60_000;
    const hour = 3_600_000;
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, messageBodyLimit) : messageBodyLimit;
    const checks: [string, string, WindowRule, number, string][] = [
      ['chat-msg-visitor', visitorKey, { max: per.httpMessagesPerMinute.perVisitor, windowMs: minute }, 1, 'too many messages from this visitor'],
      ['chat-msg-ip', req.ip, { max: per.httpMessagesPerMinute.perIp, windowMs: minute }, 1, 'too many chat messages from this address'],
      ['chat-bytes-visitor', visitorKey, { max: per.uploadBytesPerHour.perVisitor, windowMs: hour }, bytes, 'this visitor has uploaded too much for now'],
      ['chat-bytes-ip', req.ip, { max: per.uploadBytesPerHour.perIp, windowMs: hour }, bytes, 'too much uploaded from this address for now'],
    ];
    for (const [name, key, rule, amount, why] of checks) {
      const r = await deps.limiter.consume(name, key, rule, amount);
      if (!r.ok) throw tooManyRequests(reply, r, why);
    }
  };

  app.post(
    '/api/messages',
    {
      onRequest: limitHttpMessage,
      bodyLimit: messageBodyLimit,
      schema: {
        tags: ['chat'],
        summary: 'A visitor message with attachments (plain text goes over the socket)',
        body: Type.Object({
          text: Type.String({ maxLength: 10_000 }),
          clientId: Type.String({ pattern: '^[\\w-]{1,64}$' }),
          attachments: Type.Optional(Type.Array(B64File, { maxItems: 5 })),
        }),
        response: { 201: VisitorMessage, ...errors },
      },
    },
    async (req, reply) => {
      const v = await visitorOf(req);
      const attachments = decodeBase64Attachments(req.body.attachments ?? [], maxBytes);
      if (!req.body.text.trim() && !attachments.length) throw badRequest('a message needs text or an attachment');
      const message = await postVisitorMessage(deps, v, { text: req.body.text.trim(), clientId: req.body.clientId, attachments });
      return reply.code(201).send(message);
    },
  );

  app.get('/api/attachments/:id', { schema: { tags: ['chat'], params: Type.Object({ id: Id() }) } }, async (req, reply) => {
    const v = await visitorOf(req);
    // Only attachments of this visitor's own chat cases (as customer or agent messages).
    const r = await app.db.query(
      `SELECT t.filename, t.content_type, t.storage_key FROM attachments t
         JOIN interactions i ON i.id = t.interaction_id JOIN cases c ON c.id = i.case_id
         JOIN customer_identities ci ON ci.customer_id = c.customer_id AND ci.kind = 'chat' AND ci.value = $2
        WHERE t.id = $1 AND c.channel = 'chat' AND i.direction IN ('inbound', 'outbound')`,
      [req.params.id, v.id],
    );
    if (!r.rowCount) throw notFound('attachment');
    return sendAttachment(reply, app.store, r.rows[0]);
  });

  // --- transcript confirmation (the link mailed to an address a visitor wants a transcript at) ---------------
  const confirmLimit = { max: 30, timeWindow: 60_000 };
  const htmlPage = (reply: FastifyReply, code: number, html: string) =>
    reply
      .code(code)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'same-origin')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
      .send(html);
  app.get(
    '/transcripts/confirm',
    { config: { rateLimit: confirmLimit }, schema: { tags: ['chat'], summary: 'Open a transcript confirmation link (page with one button)', querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      const r = await peekConfirmation(app.db, req.query.token);
      if (!r.ok) return htmlPage(reply, 410, transcriptResultPage(r.language, 'invalid'));
      return htmlPage(reply, 200, transcriptConfirmPage(r.language, r.email, req.query.token));
    },
  );
  app.post(
    '/transcripts/confirm',
    { config: { rateLimit: confirmLimit }, schema: { tags: ['chat'], summary: 'Confirm the address and send the transcript', body: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (req, reply) => {
      const origin = req.headers.origin;
      if (origin && origin !== new URL(app.config.publicUrl).origin) throw new HttpError(403, 'confirm from the page the link opened');
      const r = await confirmTranscript(deps, req.body.token);
      return htmlPage(reply, r.status === 'invalid' ? 410 : 200, transcriptResultPage(r.language, r.status));
    },
  );

  app.post(
    '/api/offline-messages',
    {
      config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: {
        tags: ['chat'],
        summary: 'Leave a message when chat is offline: it becomes an email case answered by email',
        body: Type.Object({
          name: Type.Optional(Type.String({ maxLength: 200 })),
          email: Email,
          text: Type.String({ minLength: 1, maxLength: 10_000 }),
          language: Type.Optional(Language),
        }),
        response: { 201: OfflineMessageAccepted, ...errors },
      },
    },
    async (req, reply) => {
      let email: string;
      try {
        email = normaliseIdentity('email', req.body.email);
      } catch (err) {
        if (err instanceof InvalidIdentityError) throw badRequest(err.message, [{ field: 'email', reason: err.message }]);
        throw err;
      }
      const lang = req.body.language ?? 'en';
      const name = req.body.name?.trim() || undefined;
      // Anyone can type anyone's address: a message claiming an address a customer already has stays on a
      // separate customer (the claim) until the address is proved, instead of landing in that customer's history.
      const claimant = (await emailIsOwned(app.db, email)) ? await offlineClaimant(app.db, email, { name, language: lang }) : undefined;
      const result = await ingest(app.ingestDeps, {
        channel: 'email',
        provider: 'chat-offline',
        providerMessageId: `offline-${req.id}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
        from: { kind: 'email', value: email, name },
        subject: lang === 'fa' ? 'پیام از گفتگوی آنلاین' : 'Message left in web chat',
        text: req.body.text,
        threading: { forceNewCase: true },
        customer: { name, language: lang },
        ...(claimant ? { customerId: claimant } : {}),
        metadata: { source: 'chat-offline', unverifiedSender: true },
        raw: req.body,
      });
      return reply.code(201).send({ caseNumber: result.caseNumber });
    },
  );
};
