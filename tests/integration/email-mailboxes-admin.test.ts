import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeQueue } from '../helpers/factories.js';
import { decryptSecret } from '../../server/src/lib/crypto-box.js';
import { loadMailbox } from '../../server/src/channels/email/mailboxes.js';
import { adminToken, agentToken } from './email-helpers.js';

let ctx: TestContext;
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await adminToken(ctx);
});
afterAll(async () => {
  await ctx.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, token = admin) =>
  ctx.app.inject({ method, url: `/api/v1/admin${url}`, headers: { authorization: `Bearer ${token}` }, payload });

describe('mailbox administration', () => {
  it('stores passwords encrypted with the configured key and never returns them', async () => {
    const queue = await makeQueue(ctx.db.pool, { name: 'billing' });
    const r = await call('POST', '/mailboxes', {
      name: 'Billing', address: 'Billing@Example.test', displayName: 'ACME Billing', queueId: queue.id,
      imapHost: 'imap.gmail.com', imapPort: 993, imapUser: 'billing@example.test', imapPassword: 'abcd efgh ijkl mnop',
      smtpHost: 'smtp.gmail.com', smtpPort: 465, smtpSecurity: 'tls', smtpUser: 'billing@example.test', smtpPassword: 'smtp-app-password',
    });
    expect(r.statusCode).toBe(201);
    const m = r.json();
    expect(m).toMatchObject({ address: 'billing@example.test', queueId: queue.id, hasImapPassword: true, hasSmtpPassword: true, imapFolder: 'INBOX', autoAck: true, sync: { lastUid: 0 } });
    expect(JSON.stringify(m)).not.toMatch(/abcd efgh|smtp-app-password/);

    const [row] = (await ctx.db.pool.query(`SELECT imap_password_enc, smtp_password_enc FROM mailboxes WHERE id = $1`, [m.id])).rows;
    expect(row.imap_password_enc).not.toContain('abcd');
    expect(decryptSecret(ctx.config.encryptionKey, row.imap_password_enc)).toBe('abcd efgh ijkl mnop');
    expect(() => decryptSecret(Buffer.alloc(32, 9), row.imap_password_enc)).toThrow();
    expect((await loadMailbox(ctx.db.pool, ctx.config.encryptionKey, m.id))!.smtp.password).toBe('smtp-app-password');
    const audit = (await ctx.db.pool.query(`SELECT after FROM audit_log WHERE entity = 'mailbox' AND entity_id = $1`, [String(m.id)])).rows;
    expect(JSON.stringify(audit)).not.toMatch(/abcd efgh|smtp-app-password/);

    // Omitted passwords stay, a new folder starts the sync over.
    await ctx.db.pool.query(`UPDATE mailboxes SET uid_validity = 7, last_uid = 99 WHERE id = $1`, [m.id]);
    const p = await call('PATCH', `/mailboxes/${m.id}`, { imapFolder: 'Support', autoAck: false });
    expect(p.json()).toMatchObject({ imapFolder: 'Support', autoAck: false, hasImapPassword: true, sync: { uidValidity: null, lastUid: 0 } });
    const cleared = await call('PATCH', `/mailboxes/${m.id}`, { smtpPassword: null });
    expect(cleared.json().hasSmtpPassword).toBe(false);

    expect((await call('GET', '/mailboxes')).json().map((x: { name: string }) => x.name)).toEqual(['Billing']);
    expect((await call('DELETE', `/mailboxes/${m.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/mailboxes/${m.id}`)).statusCode).toBe(404);
  });

  it('rejects bad input with reasons, duplicates with 409, and non-admins with 403', async () => {
    const bad = await call('POST', '/mailboxes', { name: 'x', address: 'not-an-address', smtpSecurity: 'ssl', imapPort: 70000 });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().details.map((d: { field: string }) => d.field).join(' ');
    expect(fields).toMatch(/address/);
    expect(fields).toMatch(/smtpSecurity/);
    expect(fields).toMatch(/imapPort/);
    expect((await call('POST', '/mailboxes', { name: 'Q', address: 'q@example.test', queueId: 999999 })).statusCode).toBe(400);
    expect((await call('POST', '/mailboxes', { name: 'Sales', address: 'sales@example.test' })).statusCode).toBe(201);
    expect((await call('POST', '/mailboxes', { name: 'Sales 2', address: 'SALES@example.test' })).statusCode).toBe(409);
    const agent = await agentToken(ctx);
    expect((await call('GET', '/mailboxes', undefined, agent.token)).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/mailboxes' })).statusCode).toBe(401);
  });

  it('reports a sign-in failure from the connection test with its reason', async () => {
    const r = await call('POST', '/mailboxes', { name: 'Dead', address: 'dead@example.test', imapHost: '127.0.0.1', imapPort: 1, imapTls: false, imapUser: 'x', imapPassword: 'y' });
    const t = await call('POST', `/mailboxes/${r.json().id}/test`);
    expect(t.statusCode).toBe(200);
    expect(t.json().imap.ok).toBe(false);
    expect(t.json().imap.error).toMatch(/ECONNREFUSED|connect/i);
  });
});
