import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

// "Forgot password?" on the sign-in page: a one-time link by email to the account's own address; the
// answer never tells whether an address has an account; a flood is limited per address and per client.
let ctx: TestContext;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  ctx = await createTestContext({ SMTP_URL: sink.url, PUBLIC_URL: 'https://hub.example.test' });
});
afterAll(async () => {
  await ctx?.close();
  await sink?.close();
});

const forgot = (email: string, ip = '198.51.100.7') =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/auth/forgot-password', payload: { email }, remoteAddress: ip });
const login = (email: string, password: string) => ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
const mailsTo = (email: string) => sink.mails.filter((m) => JSON.stringify(m.to ?? '').includes(email));

describe('forgot password', () => {
  it('mails the owner a link that sets a new password once; an unknown address gets the same answer and no mail', async () => {
    const agent = await makeAgent(ctx.db.pool, { email: 'reza@example.test' });
    await ctx.db.pool.query(`UPDATE agents SET language = 'fa' WHERE id = $1`, [agent.id]);
    const known = await forgot('Reza@Example.test');
    const unknown = await forgot('nobody@example.test');
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual(known.json());

    const mail = await sink.waitFor((m) => JSON.stringify(m.to ?? '').includes('reza@example.test'));
    expect(mail.subject).toBe('انتخاب رمز عبور تازه');
    const token = /reset-password\?token=(\S+)/.exec(mail.text ?? '')![1]!;
    const set = await ctx.app.inject({ method: 'POST', url: '/reset-password', payload: { token, password: 'a brand new passphrase' } });
    expect(set.statusCode, set.body).toBe(200);
    expect((await login('reza@example.test', 'a brand new passphrase')).statusCode).toBe(200);
    expect((await login('reza@example.test', agent.password)).statusCode).toBe(401);
    // the link works once
    expect((await ctx.app.inject({ method: 'POST', url: '/reset-password', payload: { token, password: 'another passphrase here' } })).statusCode).toBe(404);

    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo('nobody@example.test')).toEqual([]);
    const audit = await ctx.db.pool.query(`SELECT action FROM audit_log WHERE entity = 'agent' AND entity_id = $1 ORDER BY id`, [String(agent.id)]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['agent.password_reset_requested', 'agent.password_set_by_link']));
  });

  it('sends at most three links an hour to one address, and refuses a client that keeps asking', async () => {
    await makeAgent(ctx.db.pool, { email: 'sara@example.test' });
    for (let i = 0; i < 5; i++) expect((await forgot('sara@example.test', `198.51.100.${20 + i}`)).statusCode).toBe(202);
    await sink.waitFor(() => mailsTo('sara@example.test').length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsTo('sara@example.test')).toHaveLength(3);

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await forgot(`someone${i}@example.test`, '203.0.113.9')).statusCode);
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses[5]).toBe(429);
  });
});
