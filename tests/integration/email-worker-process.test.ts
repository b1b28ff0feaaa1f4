import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createHarness, type AgentClient, type Harness } from '../helpers/routing-harness.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startWorkers, type RunningWorkers } from '../../workers/src/start-workers.js';
import { adminToken, buildMail, uniqueMessageId, waitFor } from './email-helpers.js';

// The whole path as deployed: a mail lands in the mailbox → the worker process reads it (IDLE) → routing
// offers the case to an agent's socket → the agent answers → the reply leaves over SMTP, threaded.
const USER = 'help@example.test';
let h: Harness;
let dovecot: Dovecot;
let sink: SmtpSink;
let workers: RunningWorkers;
let agent: AgentClient;

beforeAll(async () => {
  dovecot = await startDovecot([{ user: USER, password: 'pw' }]);
  sink = await startSmtpSink();
  h = await createHarness({}, 0);
  const queue = await h.queue({ name: 'email-support', channels: ['email'] });
  agent = await h.agent({ queueIds: [queue.id], available: true });
  const smtpPort = Number(new URL(sink.url).port);
  const r = await h.ctx.app.inject({
    method: 'POST',
    url: '/api/v1/admin/mailboxes',
    headers: { authorization: `Bearer ${await adminToken(h.ctx)}` },
    payload: {
      name: 'Help', address: USER, displayName: 'Help Desk', queueId: queue.id, autoAck: false, pollIntervalSeconds: 600,
      imapHost: dovecot.host, imapPort: dovecot.port, imapTls: false, imapUser: USER, imapPassword: 'pw',
      smtpHost: '127.0.0.1', smtpPort, smtpSecurity: 'none',
    },
  });
  expect(r.statusCode).toBe(201);
  workers = await startWorkers({ config: h.ctx.config, log: pino({ level: 'silent' }), db: h.ctx.db.pool });
});

afterAll(async () => {
  await workers?.close();
  await Promise.all([h?.close(), dovecot?.destroy(), sink?.close()]);
});

describe('email through the worker process', () => {
  it('a mail in the mailbox is offered to an agent, the reply goes out threaded, and the answer shows up live', async () => {
    const first = uniqueMessageId();
    await dovecot.append(USER, await buildMail({ from: 'Kim <kim@shop.test>', to: USER, subject: 'Where is parcel 88?', messageId: first }));
    const offer = await agent.nextOffer((o) => o.case.subject === 'Where is parcel 88?', 15_000);
    expect(offer.case.channel).toBe('email');
    expect(offer.customer.name).toBe('Kim');
    expect((await agent.accept(offer.offerId)).ok).toBe(true);

    const r = await h.ctx.app.inject({
      method: 'POST',
      url: `/api/v1/cases/${offer.case.id}/messages`,
      headers: { authorization: `Bearer ${agent.token}` },
      payload: { text: 'It arrives tomorrow.' },
    });
    expect(r.statusCode).toBe(201);
    const sent = await sink.waitFor((m) => m.subject === `Re: Where is parcel 88? [#${offer.case.number}]`);
    expect(sent.inReplyTo).toBe(`<${first}>`);
    expect(sent.from?.value[0]).toEqual({ address: USER, name: 'Help Desk' });

    // The customer answers our mail; the assignee's workspace hears about it without a reload.
    await agent.socket.timeout(5000).emitWithAck('case:watch', offer.case.id);
    const answer = uniqueMessageId();
    await dovecot.append(USER, await buildMail({ from: 'kim@shop.test', to: USER, subject: sent.subject, inReplyTo: sent.messageId!.slice(1, -1), messageId: answer, text: 'Thanks!' }));
    const row = await waitFor(async () => (await h.ctx.db.pool.query(`SELECT id, case_id FROM interactions WHERE provider_message_id = $1`, [answer])).rows[0], 15_000, 'answer stored');
    expect(row.case_id).toBe(offer.case.id);
    await waitFor(async () => agent.events.find((e) => e.event === 'interaction:new' && (e.payload as { interactionId: number }).interactionId === row.id), 10_000, 'interaction:new for the answer');

    // A delivery report for our reply arrives in the mailbox: the agent sees the reply turn failed.
    const dsn = [
      'From: MAILER-DAEMON@mx.shop.test', `To: ${USER}`, 'Subject: Undelivered Mail', `Message-ID: <${uniqueMessageId('dsn')}>`, 'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"', '', '--b1', 'Content-Type: message/delivery-status', '',
      'Status: 5.2.2', 'Diagnostic-Code: smtp; 552 5.2.2 mailbox full', '--b1', 'Content-Type: text/rfc822-headers', '', `Message-ID: ${sent.messageId}`, '--b1--', '',
    ].join('\r\n');
    await dovecot.append(USER, dsn);
    const status = await waitFor(async () => agent.events.find((e) => e.event === 'interaction:status' && (e.payload as { status: string }).status === 'failed'), 15_000, 'failed status');
    expect(status.payload).toMatchObject({ caseId: offer.case.id, interactionId: r.json().interactionId, error: 'bounced: 552 5.2.2 mailbox full' });
  });
});
