import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { REDIS_URL } from '../helpers/env.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { startMailboxSync } from '../../workers/src/processors/mailbox-sync.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { adminToken, agentToken, buildMail, uniqueMessageId, waitFor } from './email-helpers.js';

// Exchange Online signs mailboxes in with app-only OAuth2 tokens: a local identity platform issues them,
// dovecot checks them by introspection (XOAUTH2) and the SMTP sink accepts only them.
const USER = 'support@contoso.test';
const issued = new Set<string>();
const tokenRequests: URLSearchParams[] = [];
let introspections = 0;
let identity: http.Server;
let identityUrl: string;
let dovecot: Dovecot;
let sink: SMTPServer;
let sinkPort: number;
const smtpLogins: { method: string; user: string }[] = [];
const delivered: string[][] = [];
let ctx: TestContext;
let redis: Redis;
const blocking = createRedis(REDIS_URL, 'worker');
const closers: (() => Promise<void>)[] = [];
let admin: string;
let mailboxId: number;

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

beforeAll(async () => {
  identity = http.createServer(async (req, res) => {
    const form = await readForm(req);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/contoso/oauth2/v2.0/token') {
      tokenRequests.push(form);
      if (form.get('client_id') !== 'app-1' || form.get('client_secret') !== 'right-secret' || form.get('grant_type') !== 'client_credentials') {
        res.statusCode = 401;
        return res.end(JSON.stringify({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }));
      }
      const token = `tok-${issued.size + 1}-${Math.random().toString(36).slice(2)}`;
      issued.add(token);
      return res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: token }));
    }
    if (req.url === '/introspect') {
      introspections++;
      const ok = issued.has(form.get('token') ?? '');
      return res.end(JSON.stringify(ok ? { active: 'true', username: USER } : { active: 'false' }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => identity.listen(0, '127.0.0.1', () => r()));
  identityUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}`;

  sink = new SMTPServer({
    authMethods: ['XOAUTH2'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      smtpLogins.push({ method: auth.method, user: auth.username ?? '' });
      if (auth.method === 'XOAUTH2' && auth.username === USER && issued.has(auth.accessToken ?? '')) return cb(null, { user: USER });
      cb(null, { data: { status: '401', schemes: 'bearer' } });
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        delivered.push(session.envelope.rcptTo.map((r) => r.address));
        cb();
      });
    },
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  sinkPort = (sink.server.address() as AddressInfo).port;

  dovecot = await startDovecot([{ user: USER, password: 'not-used-with-oauth' }], { oauth2IntrospectionUrl: `${identityUrl}/introspect` });
  ctx = await createTestContext({ MICROSOFT_LOGIN_URL: identityUrl });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  admin = await adminToken(ctx);
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/admin/mailboxes',
    headers: { authorization: `Bearer ${admin}` },
    payload: {
      name: 'Contoso', address: USER, displayName: 'Contoso Support', authMethod: 'oauth2-microsoft', oauthTenantId: 'contoso', oauthClientId: 'app-1',
      oauthClientSecret: 'right-secret', imapHost: dovecot.host, imapPort: dovecot.port, imapTls: false, imapUser: USER,
      smtpHost: '127.0.0.1', smtpPort: sinkPort, smtpSecurity: 'none', smtpUser: USER, pollIntervalSeconds: 600, autoAck: false,
    },
  });
  expect(r.statusCode).toBe(201);
  expect(r.json()).toMatchObject({ authMethod: 'oauth2-microsoft', hasOauthClientSecret: true });
  expect(r.body).not.toContain('right-secret');
  mailboxId = r.json().id;
});

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  blocking.disconnect();
  redis?.disconnect();
  await Promise.all([ctx?.close(), dovecot?.destroy()]);
  await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
  await new Promise<void>((r) => (identity ? identity.close(() => r()) : r()));
});

describe('Microsoft 365 mailboxes (OAuth2 client credentials)', () => {
  it('the connection test signs in to IMAP and SMTP with an app-only token', async () => {
    const t = await ctx.app.inject({ method: 'POST', url: `/api/v1/admin/mailboxes/${mailboxId}/test`, headers: { authorization: `Bearer ${admin}` } });
    expect(t.json()).toMatchObject({ imap: { ok: true }, smtp: { ok: true } });
    expect(tokenRequests[0].get('scope')).toBe('https://outlook.office365.com/.default');
    expect(smtpLogins.at(-1)).toEqual({ method: 'XOAUTH2', user: USER });
  });

  it('reads the mailbox over XOAUTH2 and sends the agent reply over XOAUTH2', async () => {
    const log = pino({ level: 'silent' });
    closers.push(
      startMailboxSync({
        db: ctx.db.pool, redis, prefix: ctx.config.queuePrefix, encryptionKey: ctx.config.encryptionKey, loginUrl: identityUrl, log,
        inbound: { ingest: ctx.app.ingestDeps, config: ctx.config, outbound: null, log }, refreshMs: 200, backoff: { initialMs: 100, maxMs: 500 },
      }),
    );
    closers.push(startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, prefix: ctx.config.queuePrefix }));
    const messageId = uniqueMessageId();
    await dovecot.append(USER, await buildMail({ from: 'ann@fabrikam.test', to: USER, subject: 'Licence renewal', messageId }));
    const i = await waitFor(async () => (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [messageId])).rows[0], 10_000, 'mail over XOAUTH2');
    const agent = await agentToken(ctx, { holding: [i.case_id] });
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${i.case_id}/messages`, headers: { authorization: `Bearer ${agent.token}` }, payload: { text: 'Renewed.' } });
    await waitFor(async () => (await ctx.db.pool.query(`SELECT 1 FROM interactions WHERE id = $1 AND delivery_status = 'sent'`, [r.json().interactionId])).rowCount, 10_000, 'sent');
    expect(delivered.at(-1)).toEqual(['ann@fabrikam.test']);
    // The IMAP server saw bearer tokens, never a password.
    expect(introspections).toBeGreaterThan(0);
  });

  it('a refused client secret fails the reply at once with the identity platform\'s reason', async () => {
    await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/mailboxes/${mailboxId}`, headers: { authorization: `Bearer ${admin}` }, payload: { oauthClientSecret: 'wrong' } });
    const c = await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE channel = 'email' AND direction = 'inbound' LIMIT 1`);
    const agent = await agentToken(ctx, { holding: [c.rows[0].case_id] });
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${c.rows[0].case_id}/messages`, headers: { authorization: `Bearer ${agent.token}` }, payload: { text: 'Again.' } });
    const row = await waitFor(async () => (await ctx.db.pool.query(`SELECT delivery_error FROM interactions WHERE id = $1 AND delivery_status = 'failed'`, [r.json().interactionId])).rows[0], 10_000, 'failure');
    expect(row.delivery_error).toMatch(/AADSTS7000215: Invalid client secret/);
  });
});
