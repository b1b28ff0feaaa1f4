import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { ImapFlow } from 'imapflow';
import { audit } from '../../../audit/audit-log.js';
import { encryptSecret } from '../../../lib/crypto-box.js';
import { badRequest, conflict, notFound } from '../../../lib/errors.js';
import { ErrorView, IdParams, Id } from '../../../schemas/common.js';
import { loadMailbox } from '../../../channels/email/mailboxes.js';
import { imapAuth, smtpAuth } from '../../../channels/email/mail-auth.js';
import { smtpTransport } from '../../../channels/email/send.js';
import { secretsToReenter } from '../../../channels/email/mailbox-secrets.js';
import { MailboxTestView, MailboxView, MailTemplate } from '../../../contracts/admin.js';

const MailboxBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  address: Type.String({ format: 'email', maxLength: 320 }),
  displayName: Type.Optional(Type.String({ maxLength: 200 })),
  queueId: Type.Optional(Type.Union([Id(), Type.Null()])),
  active: Type.Optional(Type.Boolean()),
  authMethod: Type.Optional(Type.Union([Type.Literal('password'), Type.Literal('oauth2-microsoft')])),
  oauthTenantId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
  oauthClientId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
  oauthClientSecret: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()])),
  imapHost: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
  imapPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  imapTls: Type.Optional(Type.Boolean()),
  imapUser: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()])),
  imapPassword: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()])),
  imapFolder: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  markSeen: Type.Optional(Type.Boolean()),
  processedFolder: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
  pollIntervalSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 86400 })),
  smtpHost: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()])),
  smtpPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  smtpSecurity: Type.Optional(Type.Union([Type.Literal('tls'), Type.Literal('starttls'), Type.Literal('none')])),
  smtpUser: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 320 }), Type.Null()])),
  smtpPassword: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()])),
  autoAck: Type.Optional(Type.Boolean()),
  autoAckTemplates: Type.Optional(Type.Object({ en: Type.Optional(MailTemplate), fa: Type.Optional(MailTemplate) }, { additionalProperties: false })),
  /** added under agents' replies in the case's language (plain text) */
  signature: Type.Optional(Type.Object({ en: Type.Optional(Type.String({ maxLength: 2000 })), fa: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
});
type Body = Static<typeof MailboxBody>;

// body field → column; passwords are encrypted on the way in and never read back out.
const COLUMNS: Record<Exclude<keyof Body, never>, string> = {
  name: 'name', address: 'address', displayName: 'display_name', queueId: 'queue_id', active: 'active',
  authMethod: 'auth_method', oauthTenantId: 'oauth_tenant_id', oauthClientId: 'oauth_client_id', oauthClientSecret: 'oauth_client_secret_enc',
  imapHost: 'imap_host', imapPort: 'imap_port', imapTls: 'imap_tls', imapUser: 'imap_user', imapPassword: 'imap_password_enc',
  imapFolder: 'imap_folder', markSeen: 'mark_seen', processedFolder: 'processed_folder', pollIntervalSeconds: 'poll_interval_seconds',
  smtpHost: 'smtp_host', smtpPort: 'smtp_port', smtpSecurity: 'smtp_security', smtpUser: 'smtp_user', smtpPassword: 'smtp_password_enc',
  autoAck: 'auto_ack', autoAckTemplates: 'auto_ack_templates', signature: 'signature',
};

const SELECT = `SELECT id, name, address, display_name AS "displayName", queue_id AS "queueId", active, auth_method AS "authMethod",
  oauth_tenant_id AS "oauthTenantId", oauth_client_id AS "oauthClientId", oauth_client_secret_enc IS NOT NULL AS "hasOauthClientSecret", imap_host AS "imapHost",
  imap_port AS "imapPort", imap_tls AS "imapTls", imap_user AS "imapUser", imap_password_enc IS NOT NULL AS "hasImapPassword",
  imap_folder AS "imapFolder", mark_seen AS "markSeen", processed_folder AS "processedFolder", poll_interval_seconds AS "pollIntervalSeconds",
  smtp_host AS "smtpHost", smtp_port AS "smtpPort", smtp_security AS "smtpSecurity", smtp_user AS "smtpUser",
  smtp_password_enc IS NOT NULL AS "hasSmtpPassword", auto_ack AS "autoAck", auto_ack_templates AS "autoAckTemplates", signature,
  json_build_object('uidValidity', uid_validity, 'lastUid', last_uid, 'lastSyncAt', last_sync_at, 'lastError', last_error, 'lastErrorAt', last_error_at) AS sync
  FROM mailboxes`;

/** /api/v1/admin/mailboxes — the mailboxes the hub reads (IMAP) and answers from (SMTP). Admins only. */
const mailboxes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireRole('admin'));
  const key = app.config.encryptionKey;

  const values = (b: Partial<Body>) => {
    const out: [string, unknown][] = [];
    for (const [field, column] of Object.entries(COLUMNS) as [keyof Body, string][]) {
      if (b[field] === undefined) continue;
      let v: unknown = b[field];
      if (field === 'address' && typeof v === 'string') v = v.trim().toLowerCase();
      if ((field === 'imapPassword' || field === 'smtpPassword' || field === 'oauthClientSecret') && typeof v === 'string') v = encryptSecret(key, v);
      if (field === 'autoAckTemplates' || field === 'signature') v = JSON.stringify(v);
      out.push([column, v]);
    }
    return out;
  };
  const checkQueue = async (queueId: number | null | undefined) => {
    if (queueId && !(await app.db.query(`SELECT 1 FROM queues WHERE id = $1`, [queueId])).rowCount) {
      throw badRequest(`queue ${queueId} does not exist`, [{ field: 'queueId', reason: 'unknown queue' }]);
    }
  };
  const taken = async (b: Partial<Body>, exceptId: number) => {
    const r = await app.db.query(`SELECT name, address FROM mailboxes WHERE (name = $1 OR address = $2) AND id <> $3`, [b.name ?? null, b.address?.toLowerCase() ?? null, exceptId]);
    if (r.rowCount) throw conflict(r.rows[0].name === b.name ? `a mailbox named "${b.name}" already exists` : `mailbox ${b.address} already exists`);
  };
  const view = async (id: number) => (await app.db.query(`${SELECT} WHERE id = $1`, [id])).rows[0];

  app.get('/mailboxes', { schema: { tags: ['admin'], summary: 'Mailboxes with their sync state (passwords are never returned)', response: { 200: Type.Array(MailboxView) } } }, async () => {
    return (await app.db.query(`${SELECT} ORDER BY name`)).rows;
  });

  app.get('/mailboxes/:id', { schema: { tags: ['admin'], summary: 'One mailbox', params: IdParams, response: { 200: MailboxView, 404: ErrorView } } }, async (req) => {
    const m = await view(req.params.id);
    if (!m) throw notFound('mailbox');
    return m;
  });

  app.post(
    '/mailboxes',
    { schema: { tags: ['admin'], summary: 'Add a mailbox; passwords are stored encrypted', body: MailboxBody, response: { 201: MailboxView, 400: ErrorView, 409: ErrorView } } },
    async (req, reply) => {
      const b = req.body;
      await checkQueue(b.queueId);
      await taken(b, 0);
      const cols = values(b);
      const r = await app.db.query(
        `INSERT INTO mailboxes (${cols.map(([c]) => c).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        cols.map(([, v]) => v),
      );
      const m = await view(r.rows[0].id);
      await audit(app.db, { actorId: req.agent!.id, action: 'create', entity: 'mailbox', entityId: m.id, after: m, ip: req.ip });
      return reply.code(201).send(m);
    },
  );

  app.patch(
    '/mailboxes/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a mailbox (omitted passwords stay as they are; null removes one; a new host, port, user or weaker transport security needs the password again); a running IMAP session reconnects',
        params: IdParams,
        body: Type.Partial(MailboxBody),
        response: { 200: MailboxView, 400: ErrorView, 404: ErrorView, 409: ErrorView },
      },
    },
    async (req) => {
      const before = await view(req.params.id);
      if (!before) throw notFound('mailbox');
      const b = req.body;
      const reenter = secretsToReenter(before, b);
      if (reenter.length) throw badRequest(reenter.map((p) => p.reason).join('; '), reenter);
      await checkQueue(b.queueId);
      await taken(b, req.params.id);
      const cols = values(b);
      // Another server or folder means other UIDs: start that folder from the beginning (Message-IDs dedupe).
      const resetSync = ['imapHost', 'imapPort', 'imapUser', 'imapFolder'].some((f) => b[f as keyof Body] !== undefined && b[f as keyof Body] !== before[f]);
      await app.db.query(
        `UPDATE mailboxes SET ${[...cols.map(([c], i) => `${c} = $${i + 2}`), ...(resetSync ? ['uid_validity = NULL', 'last_uid = 0'] : []), 'updated_at = now()'].join(', ')} WHERE id = $1`,
        [req.params.id, ...cols.map(([, v]) => v)],
      );
      const after = await view(req.params.id);
      await audit(app.db, { actorId: req.agent!.id, action: 'update', entity: 'mailbox', entityId: req.params.id, before, after, ip: req.ip });
      return after;
    },
  );

  app.delete('/mailboxes/:id', { schema: { tags: ['admin'], summary: 'Remove a mailbox (its mail stays on the cases)', params: IdParams, response: { 204: Type.Null(), 404: ErrorView } } }, async (req, reply) => {
    const before = await view(req.params.id);
    if (!before) throw notFound('mailbox');
    await app.db.query(`DELETE FROM mailboxes WHERE id = $1`, [req.params.id]);
    await audit(app.db, { actorId: req.agent!.id, action: 'delete', entity: 'mailbox', entityId: req.params.id, before, ip: req.ip });
    return reply.code(204).send(null);
  });

  app.post(
    '/mailboxes/:id/test',
    {
      schema: {
        tags: ['admin'],
        summary: 'Try to sign in to the IMAP and SMTP servers with the stored settings',
        params: IdParams,
        response: {
          200: MailboxTestView,
          404: ErrorView,
        },
      },
    },
    async (req) => {
      const m = await loadMailbox(app.db, key, req.params.id);
      if (!m) throw notFound('mailbox');
      const imap: { ok: boolean; error?: string; folderMessages?: number } = { ok: false };
      if (!m.imap.host || (!m.imap.user && m.auth.method === 'password')) imap.error = 'IMAP is not configured';
      else {
        let c: ImapFlow | null = null;
        try {
          c = new ImapFlow({ host: m.imap.host, port: m.imap.port, secure: m.imap.tls, auth: await imapAuth(app.config.microsoftLoginUrl, m), logger: false, connectionTimeout: 15_000 });
          // the same failure rejects connect()/status() below and is shown to the admin; this only keeps it from crashing the node
          c.on('error', (err: Error) => req.log.debug({ err }, 'mailbox test connection error'));
          await c.connect();
          const st = await c.status(m.imap.folder, { messages: true });
          imap.ok = true;
          imap.folderMessages = st ? st.messages : undefined;
        } catch (err) {
          imap.error = describe(err);
        } finally {
          if (c?.usable) await c.logout().catch(() => c?.close());
          else c?.close();
        }
      }
      const smtp: { ok: boolean; error?: string } = { ok: false };
      if (!m.smtp.host) smtp.error = 'SMTP is not configured';
      else {
        let t: ReturnType<typeof smtpTransport> | null = null;
        try {
          t = smtpTransport(m, await smtpAuth(app.config.microsoftLoginUrl, m));
          await t.verify();
          smtp.ok = true;
        } catch (err) {
          smtp.error = describe(err);
        } finally {
          t?.close();
        }
      }
      return { imap, smtp };
    },
  );
};

function describe(err: unknown): string {
  const e = err as Error & { responseText?: string; code?: string; authenticationFailed?: boolean };
  if (e.authenticationFailed) return `authentication failed${e.responseText ? `: ${e.responseText}` : ''}`;
  return [e.message, e.responseText, e.code].filter(Boolean).join(' — ').slice(0, 500);
}

export default mailboxes;
