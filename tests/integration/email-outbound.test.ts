import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { REDIS_URL } from '../helpers/env.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { adminToken, agentToken, buildMail, postMime, uniqueMessageId, waitFor } from './email-helpers.js';

interface Received {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
}

let ctx: TestContext;
let sink: SMTPServer;
let sinkPort: number;
const received: Received[] = [];
let admin: string;
let agent: { token: string; id: number };
let mailboxId: number;
let stopWorker: () => Promise<void>;
const blocking = createRedis(REDIS_URL, 'worker');

beforeAll(async () => {
  ctx = await createTestContext();
  sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      // A mailbox that does not exist, as a real server reports it.
      if (address.address.startsWith('nobody@')) return cb(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const mail = await simpleParser(Buffer.concat(chunks));
        received.push({ envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) }, mail });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  sinkPort = (sink.server.address() as AddressInfo).port;
  admin = await adminToken(ctx);
  agent = await agentToken(ctx);
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/admin/mailboxes',
    headers: { authorization: `Bearer ${admin}` },
    payload: { name: 'Support', address: 'support@example.test', displayName: 'ACME Support', smtpHost: '127.0.0.1', smtpPort: sinkPort, smtpSecurity: 'none', autoAck: true, signature: { en: 'ACME Support\nhttps://acme.example', fa: 'پشتیبانی اکمه' } },
  });
  expect(r.statusCode).toBe(201);
  mailboxId = r.json().id;
  stopWorker = startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }), connection: blocking, prefix: ctx.config.queuePrefix });
});

afterAll(async () => {
  await stopWorker?.();
  blocking.disconnect();
  await new Promise<void>((resolve) => (sink ? sink.close(() => resolve()) : resolve()));
  await ctx?.close();
});

const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;
const mailTo = (addr: string, subject: RegExp) =>
  waitFor(async () => received.find((r) => r.envelope.to.includes(addr) && subject.test(r.mail.subject ?? '')), 10_000, `mail to ${addr}`);
const header = (m: ParsedMail, name: string) => {
  const v = m.headers.get(name);
  return typeof v === 'string' ? v : JSON.stringify(v);
};

async function inbound(spec: Parameters<typeof buildMail>[0]) {
  const messageId = spec.messageId ?? uniqueMessageId();
  const r = await postMime(ctx, await buildMail({ ...spec, messageId }));
  expect([200, 201]).toContain(r.statusCode);
  return { ...r.json(), messageId } as { caseId: number; caseNumber: number; interactionId: number; messageId: string };
}

async function reply(caseId: number, payload: Record<string, unknown>) {
  const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${agent.token}` }, payload });
  expect(r.statusCode).toBe(201);
  return r.json().interactionId as number;
}

describe('email replies over SMTP', () => {
  let ann: Awaited<ReturnType<typeof inbound>>;

  it('a new case is acknowledged automatically, marked as an automatic reply', async () => {
    ann = await inbound({ from: 'Ann <ann@corp.test>', cc: ['bob@corp.test'], subject: 'Invoice wrong', text: 'My invoice is wrong.' });
    const ack = await mailTo('ann@corp.test', /We received your message/);
    expect(ack.mail.subject).toBe(`We received your message: Invoice wrong [#${ann.caseNumber}]`);
    expect(header(ack.mail, 'auto-submitted')).toBe('auto-replied');
    expect(ack.mail.inReplyTo).toBe(`<${ann.messageId}>`);
    expect(ack.mail.from?.value[0]).toMatchObject({ address: 'support@example.test', name: 'ACME Support' });
    expect(ack.mail.cc).toBeUndefined();
    // the mailbox signature is for agents' replies, not for the automatic acknowledgement
    expect(ack.mail.text).not.toContain('https://acme.example');
    const i = await waitFor(async () => (await q(`SELECT kind, delivery_status FROM interactions WHERE case_id = $1 AND direction = 'outbound' AND delivery_status <> 'sending'`, [ann.caseId]))[0], 5000, 'status');
    expect(i).toEqual({ kind: 'system', delivery_status: 'sent' });
    // The acknowledgement is no agent's first response.
    expect((await q(`SELECT first_response_at FROM cases WHERE id = $1`, [ann.caseId]))[0].first_response_at).toBeNull();
  });

  it('acknowledges in Persian a customer who writes in Persian, and never answers robots', async () => {
    const fa = await inbound({ from: 'reza@example.ir', subject: 'مشکل پرداخت', text: 'سلام، پرداخت من انجام نشد.' });
    const ack = await mailTo('reza@example.ir', /پیام شما دریافت شد/);
    expect(ack.mail.subject).toContain(`[#${fa.caseNumber}]`);
    expect(ack.mail.text).toContain('پرونده');

    // Mail written days ago (a backlog imported late) is not acknowledged either.
    await inbound({ from: 'old@corp.test', subject: 'Old', headers: { Date: new Date(Date.now() - 3 * 86400_000).toUTCString() } });
    const robots: { from: string; headers: Record<string, string> }[] = [
      { from: 'ooo@client.test', headers: { 'Auto-Submitted': 'auto-replied' } },
      { from: 'news@shop.test', headers: { 'List-Unsubscribe': '<mailto:u@shop.test>' } },
      { from: 'no-reply@shop.test', headers: {} },
    ];
    for (const r of robots) await inbound({ from: r.from, headers: r.headers, subject: 'Automatic' });
    // Turned off per mailbox: no acknowledgement either.
    await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/mailboxes/${mailboxId}`, headers: { authorization: `Bearer ${admin}` }, payload: { autoAck: false } });
    await inbound({ from: 'quiet@corp.test', subject: 'No ack please' });
    await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/mailboxes/${mailboxId}`, headers: { authorization: `Bearer ${admin}` }, payload: { autoAck: true } });
    // A later human mail is acknowledged, so the ones above had their chance.
    await inbound({ from: 'later@corp.test', subject: 'Human' });
    await mailTo('later@corp.test', /We received/);
    for (const a of ['old@corp.test', 'ooo@client.test', 'news@shop.test', 'no-reply@shop.test', 'quiet@corp.test']) expect(received.some((r) => r.envelope.to.includes(a))).toBe(false);
  });

  it('an agent reply carries threading headers, the case token, the mailbox sender, attachments and participants', async () => {
    const follow = await inbound({ from: 'ann@corp.test', inReplyTo: ann.messageId, references: [ann.messageId], subject: 'Re: Invoice wrong', text: 'Any news?' });
    expect(follow.caseId).toBe(ann.caseId);
    const pdf = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const id = await reply(ann.caseId, {
      text: 'We corrected the invoice, see attached.',
      html: '<p>We corrected the invoice, see attached.</p>',
      cc: ['accounting@corp.test'],
      attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', contentBase64: pdf.toString('base64') }],
    });
    const got = await mailTo('ann@corp.test', /^Re: Invoice wrong/);
    const m = got.mail;
    expect(m.subject).toBe(`Re: Invoice wrong [#${ann.caseNumber}]`);
    // the mailbox signature (Admin → Mailboxes) in the case's language, after the standard "-- " separator
    expect(m.text).toBe('We corrected the invoice, see attached.\n\n-- \nACME Support\nhttps://acme.example');
    expect(m.html).toContain('-- <br>ACME Support<br>https://acme.example');
    expect(m.messageId).toMatch(new RegExp(`^<ch\\.${ann.caseId}\\.${id}\\.[0-9a-f]{16}@example\\.test>$`));
    expect(m.inReplyTo).toBe(`<${follow.messageId}>`);
    expect(m.references).toEqual([`<${ann.messageId}>`, `<${follow.messageId}>`]);
    expect(m.from?.value[0]).toEqual({ address: 'support@example.test', name: 'ACME Support' });
    expect(m.to && !Array.isArray(m.to) ? m.to.value.map((a) => a.address) : []).toEqual(['ann@corp.test']);
    expect(m.cc && !Array.isArray(m.cc) ? m.cc.value.map((a) => a.address).sort() : []).toEqual(['accounting@corp.test', 'bob@corp.test']);
    expect(got.envelope.to.sort()).toEqual(['accounting@corp.test', 'ann@corp.test', 'bob@corp.test']);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0].filename).toBe('invoice.pdf');
    expect(createHash('sha256').update(m.attachments[0].content).digest('hex')).toBe(createHash('sha256').update(pdf).digest('hex'));
    const i = await waitFor(async () => (await q(`SELECT delivery_status, provider, provider_message_id FROM interactions WHERE id = $1 AND delivery_status <> 'sending'`, [id]))[0], 5000, 'status');
    expect(i).toEqual({ delivery_status: 'sent', provider: 'email', provider_message_id: m.messageId!.slice(1, -1) });

    // The agent's CC is now a participant: their answer to our mail joins the case.
    const acc = await inbound({ from: 'accounting@corp.test', inReplyTo: m.messageId!.slice(1, -1), subject: m.subject, text: 'Confirmed.' });
    expect(acc.caseId).toBe(ann.caseId);
    // The customer's reply to our mail (only our Message-ID in the headers) threads too.
    const back = await inbound({ from: 'ann@corp.test', inReplyTo: m.messageId!.slice(1, -1), subject: 'Thanks', text: 'Thanks!' });
    expect(back.caseId).toBe(ann.caseId);
  });

  it('a refused connection is retried with backoff, then the reply is marked failed with the reason', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = new SMTPServer({ logger: false });
      s.listen(0, '127.0.0.1', () => {
        const p = (s.server.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/mailboxes/${mailboxId}`, headers: { authorization: `Bearer ${admin}` }, payload: { smtpPort: closed } });
    const id = await reply(ann.caseId, { text: 'This one will not get through.' });
    const retrying = await waitFor(async () => (await q(`SELECT delivery_status, delivery_error FROM interactions WHERE id = $1 AND delivery_error IS NOT NULL`, [id]))[0], 10_000, 'first failure');
    expect(retrying.delivery_status).toBe('queued');
    expect(retrying.delivery_error).toMatch(/^retrying: .*ECONNREFUSED/);
    // Skip the backoff waits: each promoted retry is a real new delivery attempt.
    const job = await waitFor(async () => ctx.app.queues.outbound.getJob(`out-${id}`), 5000, 'job');
    await waitFor(async () => {
      const state = await job.getState();
      if (state === 'failed') return true;
      if (state === 'delayed') await job.promote().catch(() => {});
      return false;
    }, 20_000, 'job to fail');
    const done = await ctx.app.queues.outbound.getJob(`out-${id}`);
    expect(done!.attemptsMade).toBe(6);
    const [i] = await q(`SELECT delivery_status, delivery_error FROM interactions WHERE id = $1`, [id]);
    expect(i.delivery_status).toBe('failed');
    expect(i.delivery_error).toMatch(/ECONNREFUSED/);
    await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/mailboxes/${mailboxId}`, headers: { authorization: `Bearer ${admin}` }, payload: { smtpPort: sinkPort } });
  });

  it('a recipient the server rejects fails at once, without retries', async () => {
    const c = await inbound({ from: 'Nobody <nobody@corp.test>', subject: 'Hello' });
    const id = await reply(c.caseId, { text: 'Hello back.' });
    const [i] = [await waitFor(async () => (await q(`SELECT delivery_status, delivery_error FROM interactions WHERE id = $1 AND delivery_status = 'failed'`, [id]))[0], 10_000, 'failure')];
    expect(i.delivery_error).toMatch(/550|mailbox unavailable/);
    const job = await ctx.app.queues.outbound.getJob(`out-${id}`);
    expect(job!.attemptsMade).toBe(1);
  });

  it('a delivery report for one of our replies marks that reply failed and lands on its case', async () => {
    const id = await reply(ann.caseId, { text: 'One more thing.' });
    const sent = await waitFor(async () => (await q(`SELECT provider_message_id FROM interactions WHERE id = $1 AND delivery_status = 'sent'`, [id]))[0], 10_000, 'sent');
    const boundary = 'dsn-boundary-1';
    const dsn = Buffer.from(
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.corp.test>',
        'To: support@example.test',
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <${uniqueMessageId('dsn')}>`,
        'Return-Path: <>',
        'MIME-Version: 1.0',
        `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
        '',
        `--${boundary}`,
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        `--${boundary}`,
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.corp.test',
        '',
        'Final-Recipient: rfc822; ann@corp.test',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 <ann@corp.test>: Recipient address rejected',
        `--${boundary}`,
        'Content-Type: text/rfc822-headers',
        '',
        'From: ACME Support <support@example.test>',
        `Message-ID: <${sent.provider_message_id}>`,
        'Subject: Re: Invoice wrong',
        `--${boundary}--`,
        '',
      ].join('\r\n'),
    );
    const r = await postMime(ctx, dsn);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ caseId: ann.caseId, newCase: false });
    expect(r.json().flags).toContain('bounce');
    const [i] = await q(`SELECT delivery_status, delivery_error FROM interactions WHERE id = $1`, [id]);
    expect(i.delivery_status).toBe('failed');
    expect(i.delivery_error).toBe('bounced: 550 5.1.1 <ann@corp.test>: Recipient address rejected');
    expect(received.some((x) => x.envelope.to.some((a) => /mailer-daemon/i.test(a)))).toBe(false);

    // The report is now the case's latest inbound mail; the next reply still goes to the customer.
    const next = await reply(ann.caseId, { text: 'Trying again.' });
    await waitFor(async () => (await q(`SELECT 1 FROM interactions WHERE id = $1 AND delivery_status = 'sent'`, [next])).length, 10_000, 'sent');
    expect(received.at(-1)!.envelope.to).toContain('ann@corp.test');
    expect(received.at(-1)!.envelope.to.some((a) => /mailer-daemon/i.test(a))).toBe(false);
  });
});
