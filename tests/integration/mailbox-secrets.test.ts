import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { loadMailbox } from '../../server/src/channels/email/mailboxes.js';
import { adminToken } from './email-helpers.js';

let ctx: TestContext;
let admin: string;
beforeAll(async () => {
  ctx = await createTestContext();
  admin = await adminToken(ctx);
});
afterAll(async () => {
  await ctx.close();
});

const call = (method: 'POST' | 'PATCH', url: string, payload: object) =>
  ctx.app.inject({ method, url: `/api/v1/admin${url}`, headers: { authorization: `Bearer ${admin}` }, payload });

describe('a mailbox password follows the server it was entered for', () => {
  it('changing IMAP/SMTP host, port, user or security without the password is refused with a reason and changes nothing', async () => {
    const m = (await call('POST', '/mailboxes', {
      name: 'Sales', address: 'sales@example.test',
      imapHost: 'imap.example.test', imapPort: 993, imapUser: 'sales@example.test', imapPassword: 'imap-secret',
      smtpHost: 'smtp.example.test', smtpPort: 465, smtpSecurity: 'tls', smtpUser: 'sales@example.test', smtpPassword: 'smtp-secret',
    })).json();

    for (const [change, field] of [
      [{ imapHost: 'imap.attacker.test' }, 'imapPassword'],
      [{ imapPort: 143 }, 'imapPassword'],
      [{ imapUser: 'other@example.test' }, 'imapPassword'],
      [{ imapTls: false }, 'imapPassword'],
      [{ smtpHost: 'smtp.attacker.test' }, 'smtpPassword'],
      [{ smtpPort: 2525 }, 'smtpPassword'],
      [{ smtpUser: 'x@example.test' }, 'smtpPassword'],
      [{ smtpSecurity: 'none' }, 'smtpPassword'],
    ] as const) {
      const r = await call('PATCH', `/mailboxes/${m.id}`, change);
      expect(r.statusCode, JSON.stringify(change)).toBe(400);
      expect(r.json().message).toMatch(/enter the (IMAP|SMTP) password again/);
      expect(r.json().details[0].field).toBe(field);
    }
    const stored = (await loadMailbox(ctx.db.pool, ctx.config.encryptionKey, m.id))!;
    expect(stored.imap.host).toBe('imap.example.test');
    expect(stored.smtp).toMatchObject({ host: 'smtp.example.test', port: 465, password: 'smtp-secret' });

    // With the password re-entered (or removed) the move goes through; unrelated edits need nothing.
    expect((await call('PATCH', `/mailboxes/${m.id}`, { smtpHost: 'smtp2.example.test', smtpPassword: 'new-secret' })).statusCode).toBe(200);
    expect((await call('PATCH', `/mailboxes/${m.id}`, { imapHost: 'imap2.example.test', imapPassword: null })).json()).toMatchObject({ imapHost: 'imap2.example.test', hasImapPassword: false });
    expect((await call('PATCH', `/mailboxes/${m.id}`, { imapPort: 143, displayName: 'Sales team' })).statusCode).toBe(200);
    const after = (await loadMailbox(ctx.db.pool, ctx.config.encryptionKey, m.id))!;
    expect(after.smtp).toMatchObject({ host: 'smtp2.example.test', password: 'new-secret' });
  });
});
