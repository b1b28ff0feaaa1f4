import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { signInAgent, startHubWorkers } from '../helpers/hub-workers.js';
import { io as connect } from 'socket.io-client';

let ctx: TestContext;
let smtp: SmtpSink;
let stopWorkers: () => Promise<void>;
let twilio: http.Server;
const texts: URLSearchParams[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  // Stands in for the SMS provider's REST API: records what would have been texted.
  twilio = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      texts.push(new URLSearchParams(body));
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${texts.length}` }));
    });
  });
  await new Promise<void>((r) => twilio.listen(0, '127.0.0.1', r));
  ctx = await createTestContext({
    SMTP_URL: smtp.url,
    SMTP_FROM: 'support@example.test',
    PUBLIC_URL: 'http://hub.example.test',
    PORTAL_SIGNIN_RATE_LIMIT_MAX: '3',
    PORTAL_SIGNIN_IP_RATE_LIMIT_MAX: '100',
    TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
    TWILIO_AUTH_TOKEN: 'secret',
    TWILIO_API_BASE_URL: `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`,
    PORTAL_SMS_FROM: '+15550001111',
  });
  stopWorkers = await startHubWorkers(ctx);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await stopWorkers?.();
  await ctx?.close();
  await smtp?.close();
  await new Promise((r) => twilio?.close(r));
});

const cookieOf = (setCookie: string | string[] | undefined) => {
  const c = ([] as string[]).concat(setCookie ?? []).find((x) => x.startsWith('ch_portal='));
  return c ? c.split(';')[0]! : null;
};

async function magicLink(email: string, language = 'en'): Promise<string> {
  const r = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/magic-link', payload: { email, language } });
  expect(r.statusCode).toBe(202);
  const mail = await smtp.waitFor((m) => (m.to as { text: string }).text === email && !usedMails.has(m));
  usedMails.add(mail);
  const m = /http:\/\/hub\.example\.test(\/portal\/auth\/verify\?token=[\w%-]+)/.exec(mail.text ?? '');
  expect(m).not.toBeNull();
  return m![1]!;
}
const usedMails = new Set<unknown>();

const tokenOf = (link: string) => decodeURIComponent(new URL(link, 'http://x').searchParams.get('token')!);
const follow = (link: string) =>
  ctx.app.inject({ method: 'POST', url: '/portal/auth/verify', headers: { origin: 'http://hub.example.test' }, payload: { token: tokenOf(link) } });

async function signIn(email: string): Promise<string> {
  const link = await magicLink(email);
  const page = await ctx.app.inject({ method: 'GET', url: link });
  expect(page.statusCode).toBe(200);
  const r = await follow(link);
  expect(r.statusCode).toBe(303);
  expect(r.headers.location).toMatch(/^\/portal\/requests/);
  const cookie = cookieOf(r.headers['set-cookie']);
  expect(cookie).not.toBeNull();
  expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly/i);
  return cookie!;
}

describe('portal sign-in', () => {
  it('a magic link signs in once; reusing it is rejected', async () => {
    const link = await magicLink('ana@example.test');
    // opening the link (as a mail scanner would, twice) shows a confirmation page and spends nothing
    for (let i = 0; i < 2; i++) {
      const page = await ctx.app.inject({ method: 'GET', url: link });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('ana@example.test');
      expect(page.body).toContain('method="post" action="/portal/auth/verify"');
      expect(cookieOf(page.headers['set-cookie'])).toBeNull();
    }
    const first = await follow(link);
    const cookie = cookieOf(first.headers['set-cookie']);
    expect(cookie).not.toBeNull();
    const me = await ctx.app.inject({ method: 'GET', url: '/portal/api/me', headers: { cookie: cookie! } });
    expect(me.json().identity).toEqual({ kind: 'email', value: 'ana@example.test' });
    const again = await follow(link);
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/portal/signin?error=link_used');
    expect(cookieOf(again.headers['set-cookie'])).toBeNull();
    expect((await ctx.app.inject({ method: 'GET', url: link })).headers.location).toBe('/portal/signin?error=link_used');
  });

  it('an expired magic link is rejected, and a made-up one too; another site cannot post a link', async () => {
    const link = await magicLink('old@example.test');
    await ctx.db.pool.query(`UPDATE portal_login_tokens SET expires_at = now() - interval '1 second' WHERE identity_value = 'old@example.test'`);
    const r = await ctx.app.inject({ method: 'GET', url: link });
    expect(r.headers.location).toBe('/portal/signin?error=link_expired');
    const post = await follow(link);
    expect(post.headers.location).toBe('/portal/signin?error=link_expired');
    expect(cookieOf(post.headers['set-cookie'])).toBeNull();
    const fake = await ctx.app.inject({ method: 'GET', url: '/portal/auth/verify?token=pml_madeup' });
    expect(fake.headers.location).toBe('/portal/signin?error=link_invalid');
    const fresh = await magicLink('csrf@example.test');
    const forged = await ctx.app.inject({ method: 'POST', url: '/portal/auth/verify', headers: { origin: 'https://evil.example' }, payload: { token: tokenOf(fresh) } });
    expect(forged.statusCode).toBe(403);
    expect((await follow(fresh)).statusCode).toBe(303); // the link was not spent by the forged attempt
  });

  it('limits how often a link can be requested for one address', async () => {
    const ask = () => ctx.app.inject({ method: 'POST', url: '/portal/api/auth/magic-link', payload: { email: 'spam@example.test' } });
    for (let i = 0; i < 3; i++) expect((await ask()).statusCode).toBe(202);
    const limited = await ask();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().message).toMatch(/too many sign-in requests/);
    // another address is not affected
    expect((await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/magic-link', payload: { email: 'other@example.test' } })).statusCode).toBe(202);
  });

  it('signs in with a code texted to a phone; wrong codes count and kill the code', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code', payload: { phone: '+1 415 555 0100', language: 'fa' } });
    expect(r.statusCode).toBe(202);
    const deadline = Date.now() + 8000;
    while (!texts.length && Date.now() < deadline) await new Promise((x) => setTimeout(x, 50));
    const sms = texts.at(-1)!;
    expect(sms.get('To')).toBe('+14155550100');
    expect(sms.get('From')).toBe('+15550001111');
    const code = /(\d{6})/.exec(sms.get('Body')!)![1]!;
    expect(sms.get('Body')).toContain('کد'); // Persian text
    const wrong = code === '000000' ? '111111' : '000000';
    const bad = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code/verify', payload: { phone: '+14155550100', code: wrong } });
    expect(bad.statusCode).toBe(401);
    const good = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code/verify', payload: { phone: '+14155550100', code } });
    expect(good.statusCode).toBe(200);
    expect(cookieOf(good.headers['set-cookie'])).not.toBeNull();
    const reuse = await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code/verify', payload: { phone: '+14155550100', code } });
    expect(reuse.statusCode).toBe(401);

    await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code', payload: { phone: '+14155550100' } });
    const before = texts.length;
    void before;
    for (let i = 0; i < 5; i++) await ctx.app.inject({ method: 'POST', url: '/portal/api/auth/sms-code/verify', payload: { phone: '+14155550100', code: '999999' } });
    const alive = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM portal_login_tokens WHERE kind = 'code' AND used_at IS NULL`);
    expect(alive.rows[0].n).toBe(0);
  });

  it('everything but sign-in and the knowledge base needs a session', async () => {
    for (const url of ['/portal/api/me', '/portal/api/requests', '/portal/api/requests/1001']) {
      expect((await ctx.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/portal/api/requests', headers: { cookie: 'ch_portal=chp_forged' } })).statusCode).toBe(401);
  });
});

describe('portal requests', () => {
  it('customers see only their own requests: another customer’s reference answers 404 everywhere', async () => {
    const queue = await makeQueue(ctx.db.pool, { name: 'Billing', channels: ['portal', 'email'] });
    const alice = await signIn('alice@example.test');
    const bob = await signIn('bob@example.test');
    const created = await ctx.app.inject({
      method: 'POST', url: '/portal/api/requests', headers: { cookie: alice, origin: ctx.config.publicUrl },
      payload: { subject: 'Invoice wrong', description: 'Charged twice', categoryId: queue.id, attachments: [{ filename: 'inv.txt', contentType: 'text/plain', contentBase64: Buffer.from('INV-1').toString('base64') }] },
    });
    expect(created.statusCode).toBe(201);
    const n = created.json().number;
    const c = await ctx.db.pool.query(`SELECT id, channel, queue_id, routing_state FROM cases WHERE number = $1`, [n]);
    expect(c.rows[0]).toMatchObject({ channel: 'portal', queue_id: queue.id, routing_state: 'waiting' });
    const mine = await ctx.app.inject({ method: 'GET', url: `/portal/api/requests/${n}`, headers: { cookie: alice, origin: ctx.config.publicUrl } });
    expect(mine.statusCode).toBe(200);
    const attId = mine.json().messages[0].attachments[0].id;
    expect((await ctx.app.inject({ method: 'GET', url: `/portal/api/attachments/${attId}`, headers: { cookie: alice, origin: ctx.config.publicUrl } })).body).toBe('INV-1');

    expect((await ctx.app.inject({ method: 'GET', url: '/portal/api/requests', headers: { cookie: bob, origin: ctx.config.publicUrl } })).json()).toEqual([]);
    const probes = [
      { method: 'GET' as const, url: `/portal/api/requests/${n}` },
      { method: 'POST' as const, url: `/portal/api/requests/${n}/replies`, payload: { text: 'hi' } },
      { method: 'POST' as const, url: `/portal/api/requests/${n}/reopen` },
      { method: 'POST' as const, url: `/portal/api/requests/${n}/rating`, payload: { rating: 1 } },
      { method: 'GET' as const, url: `/portal/api/attachments/${attId}` },
      { method: 'GET' as const, url: `/portal/api/requests/999999` },
    ];
    for (const p of probes) {
      const r = await ctx.app.inject({ ...p, headers: { cookie: bob, origin: ctx.config.publicUrl } });
      expect(r.statusCode, `${p.method} ${p.url}`).toBe(404);
    }
    const count = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM interactions WHERE case_id = $1`, [c.rows[0].id]);
    expect(count.rows[0].n).toBe(1);
  });

  it('the public thread never shows internal notes; replies, reopen and rating work on a solved request', async () => {
    const carol = await signIn('carol@example.test');
    const n = (await ctx.app.inject({ method: 'POST', url: '/portal/api/requests', headers: { cookie: carol, origin: ctx.config.publicUrl }, payload: { subject: 'Login', description: 'Cannot log in <b>at all</b>' } })).json().number;
    const caseId = (await ctx.db.pool.query(`SELECT id FROM cases WHERE number = $1`, [n])).rows[0].id;
    // an agent of the request's queue answers it
    const queueId = (await ctx.db.pool.query(`SELECT queue_id FROM cases WHERE id = $1`, [caseId])).rows[0].queue_id;
    const agent = await makeAgent(ctx.db.pool, { name: 'Dara', queueIds: [queueId] });
    const token = await signInAgent(ctx, agent);
    await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { internal: true, text: 'SECRET NOTE customer is on the watch list' } });
    const reply = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${token}` }, payload: { text: 'Try resetting your password.' } });
    expect(reply.statusCode).toBe(201);
    // the customer is told by email that a reply waits in the portal
    const notice = await smtp.waitFor((m) => (m.to as { text: string }).text === 'carol@example.test' && /New reply/.test(m.subject ?? ''));
    expect(notice.text).toContain(`http://hub.example.test/portal/requests/${n}`);
    const detail = (await ctx.app.inject({ method: 'GET', url: `/portal/api/requests/${n}`, headers: { cookie: carol, origin: ctx.config.publicUrl } })).json();
    expect(detail.messages.map((m: { text: string }) => m.text)).toEqual(['Cannot log in <b>at all</b>', 'Try resetting your password.']);
    expect(JSON.stringify(detail)).not.toContain('SECRET NOTE');
    expect(detail.messages[1]).toMatchObject({ from: 'agent', agentName: 'Dara' });

    expect((await ctx.app.inject({ method: 'POST', url: `/portal/api/requests/${n}/rating`, headers: { cookie: carol, origin: ctx.config.publicUrl }, payload: { rating: 5 } })).statusCode).toBe(409);
    expect((await ctx.app.inject({ method: 'POST', url: `/portal/api/requests/${n}/reopen`, headers: { cookie: carol, origin: ctx.config.publicUrl } })).statusCode).toBe(409);
    await ctx.db.pool.query(`UPDATE cases SET status = 'solved', solved_at = now(), assignee_id = NULL, routing_state = 'none' WHERE id = $1`, [caseId]);
    const rate = await ctx.app.inject({ method: 'POST', url: `/portal/api/requests/${n}/rating`, headers: { cookie: carol, origin: ctx.config.publicUrl }, payload: { rating: 4, comment: 'quick' } });
    expect(rate.statusCode).toBe(200);
    const csat = await ctx.db.pool.query(`SELECT rating, comment, source, agent_id FROM csat_ratings WHERE case_id = $1`, [caseId]);
    expect(csat.rows[0]).toMatchObject({ rating: 4, comment: 'quick', source: 'portal', agent_id: agent.id });
    const ev = await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'updated' AND data ? 'csat'`, [caseId]);
    expect(ev.rows[0].data.csat).toMatchObject({ rating: 4, satisfied: true });

    const reopen = await ctx.app.inject({ method: 'POST', url: `/portal/api/requests/${n}/reopen`, headers: { cookie: carol, origin: ctx.config.publicUrl } });
    expect(reopen.statusCode).toBe(200);
    const after = await ctx.db.pool.query(`SELECT status, routing_state FROM cases WHERE id = $1`, [caseId]);
    expect(after.rows[0]).toEqual({ status: 'open', routing_state: 'waiting' });
    const follow = await ctx.app.inject({ method: 'POST', url: `/portal/api/requests/${n}/replies`, headers: { cookie: carol, origin: ctx.config.publicUrl }, payload: { text: 'Still broken' } });
    expect(follow.statusCode).toBe(201);
    expect(follow.json().number).toBe(n);
  });

  it('a customer reply reaches the assigned agent live', async () => {
    const erin = await signIn('erin@example.test');
    const n = (await ctx.app.inject({ method: 'POST', url: '/portal/api/requests', headers: { cookie: erin, origin: ctx.config.publicUrl }, payload: { subject: 'Refund', description: 'Where is my refund?' } })).json().number;
    const agent = await makeAgent(ctx.db.pool, { name: 'Omid' });
    await ctx.db.pool.query(`UPDATE cases SET assignee_id = $2, routing_state = 'assigned', status = 'open' WHERE number = $1`, [n, agent.id]);
    const token = await signInAgent(ctx, agent);
    const port = (ctx.app.server.address() as AddressInfo).port;
    const s = connect(`http://127.0.0.1:${port}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      await new Promise<void>((r) => s.once('connect', () => r()));
      const heard = new Promise<{ caseId: number }>((r) => s.once('interaction:new', r));
      const r = await ctx.app.inject({ method: 'POST', url: `/portal/api/requests/${n}/replies`, headers: { cookie: erin, origin: ctx.config.publicUrl }, payload: { text: 'Any news?' } });
      expect(r.statusCode).toBe(201);
      const caseId = (await ctx.db.pool.query(`SELECT id FROM cases WHERE number = $1`, [n])).rows[0].id;
      expect((await heard).caseId).toBe(caseId);
    } finally {
      s.disconnect();
    }
  });

  it('rejects oversized attachments and unknown categories with a clear reason', async () => {
    const dan = await signIn('dan@example.test');
    const big = Buffer.alloc(ctx.config.portal.maxAttachmentBytes + 1, 1).toString('base64');
    const r = await ctx.app.inject({ method: 'POST', url: '/portal/api/requests', headers: { cookie: dan, origin: ctx.config.publicUrl }, payload: { subject: 's', description: 'd', attachments: [{ filename: 'big.bin', contentBase64: big }] } });
    expect(r.statusCode).toBe(413);
    expect(r.json().message).toMatch(/limit/);
    const cat = await ctx.app.inject({ method: 'POST', url: '/portal/api/requests', headers: { cookie: dan, origin: ctx.config.publicUrl }, payload: { subject: 's', description: 'd', categoryId: 987654 } });
    expect(cat.statusCode).toBe(400);
    expect((await ctx.db.pool.query(`SELECT count(*)::int AS n FROM cases c JOIN customer_identities ci ON ci.customer_id = c.customer_id WHERE ci.value = 'dan@example.test'`)).rows[0].n).toBe(0);
  });
});
