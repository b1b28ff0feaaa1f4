import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import pino from 'pino';
import { createTestContext, listenLocally, type TestContext } from '../helpers/context.js';
import { makeQueue } from '../helpers/factories.js';
import { newVisitor } from '../helpers/visitors.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startHubWorkers } from '../helpers/hub-workers.js';
import { waitFor } from '../helpers/wait.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { createMagicLink, PORTAL_COOKIE } from '../../server/src/channels/portal/sign-in.js';
import { WindowLimiter } from '../../server/src/limits/window-limiter.js';
import { createRedis } from '../../server/src/lib/redis.js';

// Anonymous visitors: no mail relay through transcripts, no flooding over HTTP, no writing into someone else's history.

let ctx: TestContext;
let smtp: SmtpSink;
let stopWorkers: () => Promise<void>;
let base: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  ctx = await createTestContext({
    SMTP_URL: smtp.url,
    CHAT_MAX_ATTACHMENT_BYTES: '4096',
    CHAT_HTTP_MESSAGES_PER_MINUTE: '4',
    CHAT_HTTP_MESSAGES_PER_MINUTE_PER_IP: '6',
    CHAT_UPLOAD_BYTES_PER_HOUR: '12000',
    TRANSCRIPT_LIMIT_PER_VISITOR: '3',
    TRANSCRIPT_LIMIT_PER_ADDRESS: '2',
  });
  base = await listenLocally(ctx);
  stopWorkers = await startHubWorkers(ctx);
  await makeQueue(ctx.db.pool, { name: 'Everything', isDefault: true });
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await stopWorkers?.();
  await ctx?.close();
  await smtp?.close();
});

function open(token: string): Promise<Socket> {
  const s = connect(`${base}/visitor`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}
const say = async (s: Socket, text: string, clientId: string) => {
  const r = await s.emitWithAck('message', { text, clientId });
  expect(r.ok).toBe(true);
  return r.message as { caseId: number };
};
const to = (m: { to?: unknown }) => (m.to as { text: string } | undefined)?.text;
const linkIn = (text: string) => /https?:\/\/\S+\/widget\/transcripts\/confirm\?token=\S+/.exec(text)![0];
const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;

describe('chat transcripts are not a mail relay', () => {
  it('a transcript to an address nobody proved sends only a fixed-text confirmation link; the transcript follows the confirmation, once', async () => {
    const v = await newVisitor(ctx, { email: 'victim@example.test' });
    const s = await open(v.token);
    const { caseId } = await say(s, 'CHEAP PILLS at http://spam.example', 'm1');

    const asked = await s.emitWithAck('transcript', {});
    expect(asked).toMatchObject({ ok: true, status: 'confirm', to: 'victim@example.test', message: expect.stringMatching(/confirmation link/) });
    const confirmMail = await smtp.waitFor((m) => to(m) === 'victim@example.test');
    expect(confirmMail.subject).toMatch(/Confirm your email address/);
    expect(confirmMail.text).not.toContain('PILLS');
    expect(confirmMail.text).not.toContain('spam.example');

    // the link opens a page with one button (scanners do not spend it); the button sends the transcript
    const link = new URL(linkIn(confirmMail.text!));
    const page = await ctx.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('victim@example.test');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const token = link.searchParams.get('token')!;
    const confirmed = await ctx.app.inject({ method: 'POST', url: '/widget/transcripts/confirm', payload: { token } });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toMatch(/on its way/);
    const transcript = await smtp.waitFor((m) => to(m) === 'victim@example.test' && /Transcript of your chat/.test(m.subject ?? ''));
    expect(transcript.text).toContain('CHEAP PILLS');
    expect((await ctx.app.inject({ method: 'POST', url: '/widget/transcripts/confirm', payload: { token } })).statusCode).toBe(410);

    // once per conversation
    expect(await s.emitWithAck('transcript', {})).toMatchObject({ ok: false, code: 'already_sent', reason: /already been sent/ });
    // the visitor proved the address: the next conversation's transcript goes straight there
    await s.emitWithAck('end', {});
    await say(s, 'second conversation', 'm2');
    const before = smtp.mails.length;
    const ended = await s.emitWithAck('end', { transcript: true });
    expect(ended).toMatchObject({ ok: true, transcript: { ok: true, status: 'sent', to: 'victim@example.test' } });
    await smtp.waitFor((m) => to(m) === 'victim@example.test' && (m.text ?? '').includes('second conversation'));
    expect(smtp.mails.length).toBe(before + 1);
    expect((await q(`SELECT count(*)::int AS n FROM chat_transcripts WHERE visitor_id = $1`, [v.visitorId]))[0].n).toBe(2);
    expect(caseId).toBeGreaterThan(0);
  });

  it('limits transcript requests per address and per visitor, with the reason in the widget', async () => {
    // per address: two requests a day from anyone, then refused
    for (let i = 0; i < 2; i++) {
      const v = await newVisitor(ctx);
      const s = await open(v.token);
      await say(s, `hi ${i}`, `a${i}`);
      expect(await s.emitWithAck('transcript', { email: 'target@example.test' })).toMatchObject({ ok: true, status: 'confirm' });
    }
    const v3 = await newVisitor(ctx);
    const s3 = await open(v3.token);
    await say(s3, 'hi again', 'a3');
    expect(await s3.emitWithAck('transcript', { email: 'target@example.test' })).toMatchObject({ ok: false, code: 'rate_limited', reason: /Too many transcript requests/ });

    // per visitor: three requests, whatever the addresses
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await s3.emitWithAck('transcript', { email: `x${i}@example.test` }));
    expect(answers.map((a) => a.ok)).toEqual([true, true, false, false]);
    // the two confirmation mails go out through the workers: wait for them, then check no third one came
    await waitFor(async () => smtp.mails.filter((m) => to(m) === 'target@example.test').length >= 2, 8000, 'two confirmation mails');
    expect(smtp.mails.filter((m) => to(m) === 'target@example.test')).toHaveLength(2);
  });

  it('says why when there is no address or no conversation', async () => {
    const v = await newVisitor(ctx, { language: 'fa' });
    const s = await open(v.token);
    expect(await s.emitWithAck('transcript', { email: 'a@example.test' })).toMatchObject({ ok: false, code: 'no_conversation' });
    await say(s, 'سلام', 'f1');
    expect(await s.emitWithAck('transcript', {})).toMatchObject({ ok: false, code: 'no_address', reason: /ایمیل/ });
  });
});

describe('HTTP chat messages and uploads are rate-limited', () => {
  const post = (token: string, payload: object, remoteAddress = '127.0.0.1') =>
    ctx.app.inject({ method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': token }, payload, remoteAddress });
  const file = (n: number) => ({ filename: 'photo.png', contentType: 'image/png', contentBase64: Buffer.alloc(n, 7).toString('base64') });

  it('answers 429 with Retry-After once a visitor sends too many messages', async () => {
    const v = await newVisitor(ctx);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await post(v.token, { text: `msg ${i}`, clientId: `h${i}` }, '10.0.0.1')).statusCode);
    expect(codes).toEqual([201, 201, 201, 201, 429]);
    const r = await post(v.token, { text: 'more', clientId: 'h9' }, '10.0.0.1');
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(r.json().message).toMatch(/too many messages from this visitor; try again in \d+ s/);
    expect((await q(`SELECT count(*)::int AS n FROM interactions WHERE text LIKE 'msg %' OR text = 'more'`))[0].n).toBe(4);
  });

  it('caps the bytes a visitor uploads per hour, refusing before storing anything', async () => {
    const v = await newVisitor(ctx);
    expect((await post(v.token, { text: 'one', clientId: 'u1', attachments: [file(4000)] }, '10.0.0.2')).statusCode).toBe(201);
    expect((await post(v.token, { text: 'two', clientId: 'u2', attachments: [file(4000)] }, '10.0.0.2')).statusCode).toBe(201);
    const third = await post(v.token, { text: 'three', clientId: 'u3', attachments: [file(4000)] }, '10.0.0.2');
    expect(third.statusCode).toBe(429);
    expect(third.json().message).toMatch(/uploaded too much/);
    expect(third.headers['retry-after']).toBeDefined();
    expect((await q(`SELECT count(*)::int AS n FROM interactions WHERE text = 'three'`))[0].n).toBe(0);
  });

  it('limits one client address however many visitors it creates', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++) {
      const v = await newVisitor(ctx);
      for (let j = 0; j < 2; j++) codes.push((await post(v.token, { text: `ip ${i}.${j}`, clientId: `ip${i}${j}` }, '10.0.0.3')).statusCode);
    }
    expect(codes.filter((c) => c === 201)).toHaveLength(6);
    expect(codes.slice(6)).toEqual([429, 429]);
  });

  it('keeps counting in the process when Redis is unreachable', async () => {
    const down = createRedis('redis://127.0.0.1:1', 'producer', { retryStrategy: () => null });
    try {
      const limiter = new WindowLimiter(down, 'x', pino({ level: 'silent' }));
      const rule = { max: 2, windowMs: 60_000 };
      const r = [];
      for (let i = 0; i < 3; i++) r.push((await limiter.consume('t', 'visitor-1', rule)).ok);
      expect(r).toEqual([true, true, false]);
      expect((await limiter.consume('t', 'visitor-2', rule)).ok).toBe(true);
    } finally {
      down.disconnect();
    }
  });
});

describe('anonymous emails stay apart until the address is proved', () => {
  async function customerWithEmail(email: string) {
    const r = await ingest(ctx.app.ingestDeps, {
      channel: 'email', provider: 'test', providerMessageId: `own-${email}`, from: { kind: 'email', value: email, name: 'Kim' }, subject: 'My account', text: 'real message', raw: {},
    });
    return r;
  }
  const signInAs = async (email: string) => {
    const token = await createMagicLink(ctx.db.pool, { kind: 'email', value: email }, 'en', 15);
    const r = await ctx.app.inject({ method: 'POST', url: '/portal/auth/verify', payload: { token } });
    expect(r.statusCode).toBe(303);
    const cookie = r.cookies.find((c) => c.name === PORTAL_COOKIE)!;
    return (await ctx.app.inject({ method: 'GET', url: '/portal/api/requests', cookies: { [PORTAL_COOKIE]: cookie.value } })).json() as { number: number }[];
  };

  it('an offline message claiming a customer’s address does not enter their history or portal until they sign in with it', async () => {
    const kim = await customerWithEmail('kim@example.test');
    const r = await ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', payload: { name: 'Kim', email: 'KIM@example.test', text: 'Please change my delivery address to 1 Fake St' } });
    expect(r.statusCode).toBe(201);
    const offline = (await q(`SELECT c.customer_id, cu.claimed_email FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.number = $1`, [r.json().caseNumber]))[0];
    expect(offline.customer_id).not.toBe(kim.customerId);
    expect(offline.claimed_email).toBe('kim@example.test');
    expect(await q(`SELECT id FROM customer_identities WHERE customer_id = $1`, [offline.customer_id])).toEqual([]);
    expect((await q(`SELECT count(*)::int AS n FROM interactions WHERE customer_id = $1`, [kim.customerId]))[0].n).toBe(1);
    // the agent sees the claim for what it is
    expect((await q(`SELECT metadata->>'unverifiedSender' AS u FROM interactions WHERE case_id = (SELECT id FROM cases WHERE number = $1)`, [r.json().caseNumber]))[0].u).toBe('true');

    // a visitor's pre-chat email is a claim too, on the visitor's own customer
    const v = await newVisitor(ctx, { email: 'kim@example.test' });
    const s = await open(v.token);
    const chat = await say(s, 'I am Kim, read me my orders', 'k1');
    const chatCustomer = (await q(`SELECT c.customer_id, cu.claimed_email FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1`, [chat.caseId]))[0];
    expect(chatCustomer.customer_id).not.toBe(kim.customerId);
    expect(chatCustomer.claimed_email).toBe('kim@example.test');

    // Kim proves the address with the portal link: the offline message (answered to her mailbox) joins her
    // requests; another visitor's chat that merely typed her address does not
    const requests = await signInAs('kim@example.test');
    expect(requests.map((x) => x.number).sort()).toEqual([kim.caseNumber, r.json().caseNumber].sort());
    expect((await q(`SELECT customer_id FROM cases WHERE id = $1`, [chat.caseId]))[0].customer_id).toBe(chatCustomer.customer_id);
  });

  it('an offline message from an address nobody has yet opens that address’s customer as before', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/widget/api/offline-messages', payload: { email: 'new@example.test', text: 'hello' } });
    expect(r.statusCode).toBe(201);
    const row = (await q(`SELECT ci.value, ci.verified FROM cases c JOIN customer_identities ci ON ci.customer_id = c.customer_id WHERE c.number = $1`, [r.json().caseNumber]))[0];
    expect(row).toEqual({ value: 'new@example.test', verified: false });
  });
});
