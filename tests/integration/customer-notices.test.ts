import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import type { ParsedMail } from 'mailparser';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, twilioEnv, waitFor } from '../helpers/twilio-signing.js';
import { startOutboundWorker } from '../../workers/src/processors/outbound.js';
import { createRedis } from '../../server/src/lib/redis.js';
import { REDIS_URL } from '../helpers/env.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import { NOTICES_NUDGE_WINDOW_MS } from '../../server/src/lifecycle/effects.js';
import { sweepCustomerNotices } from '../../server/src/customer-messages/notices.js';
import { autoCloseSolved } from '../../server/src/customer-messages/auto-close.js';
import { deliverInteraction } from '../../server/src/outbound/deliver.js';
import type { RoutingDeps } from '../../server/src/lifecycle/deps.js';

let ctx: TestContext;
let api: TwilioApiServer;
let sink: SmtpSink;
let token: string;
let adminId: number;
const OUR_NUMBER = '+14155550100';
const closers: (() => Promise<void>)[] = [];
const blocking = createRedis(REDIS_URL, 'worker');
const log = pino({ level: 'silent' });

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  sink = await startSmtpSink();
  ctx = await createTestContext(twilioEnv(api.url, { SMTP_URL: sink.url, SMTP_FROM: 'Support <support@example.test>' }));
  closers.push(startOutboundWorker({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log, connection: blocking, prefix: ctx.config.queuePrefix }));
  const admin = await makeAgent(ctx.db.pool, { role: 'admin' });
  adminId = admin.id;
  token = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: admin.password } })).json().token;
  const n = await call('POST', '/api/v1/admin/phone-numbers', { e164: OUR_NUMBER, friendlyName: 'Support line' });
  expect(n.statusCode).toBe(201);
});
afterAll(async () => {
  for (const c of closers) await c();
  blocking.disconnect();
  await ctx.close();
  await api.close();
  await sink.close();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
const routing = (): RoutingDeps => ({ db: ctx.db.pool, queues: ctx.app.queues, realtime: ctx.app.realtime, log: ctx.app.log });
const sweep = () => sweepCustomerNotices({ db: ctx.db.pool, config: ctx.config, log: ctx.app.log, outbound: ctx.app.queues.outbound });
let seq = 0;
async function newCase(channel: 'email' | 'sms' | 'voice' | 'portal' | 'chat', from: string, language: 'en' | 'fa') {
  seq++;
  return ingest(ctx.app.ingestDeps, {
    channel, provider: 'test', providerMessageId: `notice-${seq}-${Date.now()}`,
    from: { kind: channel === 'chat' ? 'chat' : from.includes('@') ? 'email' : 'phone', value: from }, subject: `Order ${seq}`, text: 'My order has not arrived',
    kind: channel === 'voice' ? 'call' : 'message', raw: {}, customer: { name: language === 'fa' ? 'سارا' : 'Sara', language },
  });
}
const mailTo = (to: string, subject: RegExp) => (m: ParsedMail) => m.to !== undefined && JSON.stringify(m.to).includes(to) && subject.test(m.subject ?? '');
const smsTo = (to: string) => api.find(/POST .*Messages\.json/).filter((r) => r.form.To === to).map((r) => String(r.form.Body));
const slaMarked = async (caseId: number) => (await ctx.db.pool.query(`SELECT 1 FROM case_sla_marks WHERE case_id = $1`, [caseId])).rowCount === 1;
const setStatus = (caseId: number, status: 'pending' | 'solved' | 'closed' | 'open') => changeCaseStatus(routing(), { caseId, status, agentId: adminId });

describe('customer notices: each event in the customer\'s language on the right channel', () => {
  it('email case (Persian customer): received, needs your reply, solved and the CSAT request arrive by email in Persian', async () => {
    const c = await newCase('email', 'sara.fa@example.test', 'fa');
    await sweep();
    const received = await sink.waitFor(mailTo('sara.fa@example.test', /درخواست شما دریافت شد/));
    expect(received.subject).toContain(`#${c.caseNumber}`);
    expect(received.text).toContain('سارا گرامی');
    expect(received.headers.get('auto-submitted')).toBe('auto-replied');

    await setStatus(c.caseId, 'pending');
    await sweep();
    await sink.waitFor(mailTo('sara.fa@example.test', /منتظر پاسخ شما هستیم/));

    await setStatus(c.caseId, 'solved');
    await sweep();
    const solved = await sink.waitFor(mailTo('sara.fa@example.test', /درخواست شما حل شد/));
    expect(solved.text).toContain('7 روز');
    const csat = await sink.waitFor(mailTo('sara.fa@example.test', /از خدمات ما راضی بودید/));
    const link = /https:\/\/hub\.example\.test\/portal\/csat\/\S+/.exec(csat.text ?? '')![0];

    // the link opens a rating page in the customer's language and records a rating without signing in
    const path = new URL(link).pathname;
    const page = await ctx.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('dir="rtl"');
    const rated = await ctx.app.inject({ method: 'POST', url: path, payload: { rating: 5, comment: 'عالی' } });
    expect(rated.statusCode).toBe(200);
    const r = (await ctx.db.pool.query(`SELECT rating, comment, source, channel FROM csat_ratings WHERE case_id = $1`, [c.caseId])).rows[0];
    expect(r).toEqual({ rating: 5, comment: 'عالی', source: 'link', channel: 'email' });
    expect((await ctx.app.inject({ method: 'GET', url: '/portal/csat/not-a-real-token-0123456789' })).statusCode).toBe(404);

    // every notice is on the case's timeline as an outbound system message with its delivery history
    const rows = (await ctx.db.pool.query(`SELECT metadata->>'notice' AS notice, channel, delivery_status FROM interactions WHERE case_id = $1 AND kind = 'system' ORDER BY id`, [c.caseId])).rows;
    expect(rows.map((x) => x.notice)).toEqual(['received', 'needs_reply', 'solved', 'csat']);
    await waitFor(async () => (await ctx.db.pool.query(`SELECT 1 FROM interactions WHERE case_id = $1 AND kind = 'system' AND delivery_status <> 'sent'`, [c.caseId])).rowCount === 0, 8000, 'all sent');
  });

  it('mail to a mailbox that sends its own acknowledgement gets no second receipt', async () => {
    const mb = (await ctx.db.pool.query(`INSERT INTO mailboxes (name, address, auto_ack) VALUES ('Acks', 'acks@example.test', true) RETURNING id`)).rows[0].id;
    seq++;
    const c = await ingest(ctx.app.ingestDeps, {
      channel: 'email', provider: 'test', providerMessageId: `notice-mb-${seq}`, from: { kind: 'email', value: 'acked@example.test' }, subject: 'Hi', text: 'x',
      raw: {}, metadata: { mailboxId: Number(mb) },
    });
    await sweep();
    const n = (await ctx.db.pool.query(`SELECT state, skip_reason FROM case_notices WHERE case_id = $1 AND event = 'received'`, [c.caseId])).rows[0];
    expect(n).toMatchObject({ state: 'skipped', skip_reason: expect.stringMatching(/acknowledgement/) });
  });

  it('SMS case (English customer): received and solved by SMS from our number', async () => {
    const c = await newCase('sms', '+14155550177', 'en');
    // a new case is marked for the SLA worker; taken here as the worker would, before the receipt is written
    expect(await slaMarked(c.caseId)).toBe(true);
    await ctx.db.pool.query(`DELETE FROM case_sla_marks WHERE case_id = $1`, [c.caseId]);
    await sweep();
    await waitFor(async () => smsTo('+14155550177').length >= 1, 8000, 'receipt SMS');
    expect(smsTo('+14155550177')[0]).toBe(`We received your request #${c.caseNumber} and will answer soon. The support team`);
    expect(api.find(/POST .*Messages\.json/).find((r) => r.form.To === '+14155550177')!.form.From).toBe(OUR_NUMBER);
    // the receipt moves no SLA clock (it is no agent's reply): it left the case unmarked for the SLA worker
    expect(await slaMarked(c.caseId)).toBe(false);
    await setStatus(c.caseId, 'solved');
    await sweep();
    await waitFor(async () => smsTo('+14155550177').length >= 3, 8000, 'solved + CSAT SMS');
    // the two are delivered independently: either may arrive first
    expect(smsTo('+14155550177').slice(1).some((b) => b.startsWith(`Your request #${c.caseNumber} is solved`))).toBe(true);
  });

  it('voice case: no receipt for a call, but the CSAT request after the solve goes by SMS with a link to the rating page', async () => {
    const c = await newCase('voice', '+14155550188', 'en');
    await setStatus(c.caseId, 'solved');
    await sweep();
    await waitFor(async () => smsTo('+14155550188').some((b) => /Rate us/.test(b)), 8000, 'CSAT SMS');
    const body = smsTo('+14155550188').find((b) => /Rate us/.test(b))!;
    expect(body).toMatch(new RegExp(`^How did we do with request #${c.caseNumber}\\? Rate us: https://hub\\.example\\.test/portal/csat/\\S+$`));
    // no receipt is owed for a call (ingest records none), so none is sent
    expect((await ctx.db.pool.query(`SELECT 1 FROM case_notices WHERE case_id = $1 AND event = 'received'`, [c.caseId])).rowCount).toBe(0);
    expect(smsTo('+14155550188').some((b) => b.startsWith('We received your request'))).toBe(false);
  });

  it('portal case: an agent reply is announced by email with the "agent replied on portal" template', async () => {
    const c = await newCase('portal', 'pat@example.test', 'en');
    const r = await call('POST', `/api/v1/cases/${c.caseId}/messages`, { text: 'We shipped it again.' });
    expect(r.statusCode).toBeLessThan(300);
    const m = await sink.waitFor(mailTo('pat@example.test', /New reply to your request/));
    expect(m.text).toContain(`https://hub.example.test/portal/requests/${c.caseNumber}`);
  });
});

describe('admin-edited templates, auto-close and at-most-once', () => {
  it('an edited template is used (and previewed); turning an event off stops it', async () => {
    const preview = await call('POST', '/api/v1/admin/customer-notices/preview', { event: 'solved', language: 'en', subject: 'Done: #{number} for {name}' });
    expect(preview.json().subject).toBe('Done: #1042 for Sara Rezaei');
    const saved = await call('PUT', '/api/v1/admin/customer-notices/templates/solved/en', { subject: 'All sorted, {name} [#{number}]', body: 'Case {number} is solved. Reply within {days} days.', sms: 'Solved #{number}' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().templates.find((t: { event: string; language: string }) => t.event === 'solved' && t.language === 'en')).toMatchObject({ edited: true, subject: 'All sorted, {name} [#{number}]' });
    expect((await call('PUT', '/api/v1/admin/customer-notices/templates/solved/de', { subject: 'x', body: 'x', sms: 'x' })).statusCode).toBe(400);

    const c = await newCase('email', 'edited@example.test', 'en');
    await setStatus(c.caseId, 'solved');
    await sweep();
    const m = await sink.waitFor(mailTo('edited@example.test', /All sorted/));
    expect(m.subject).toBe(`All sorted, Sara [#${c.caseNumber}]`);
    expect(m.text).toContain(`Case ${c.caseNumber} is solved. Reply within 7 days.`);

    await call('PUT', '/api/v1/admin/customer-notices/settings', { events: { csat: false }, autoCloseDays: 7 });
    const d = await newCase('email', 'nocsat@example.test', 'en');
    await setStatus(d.caseId, 'solved');
    await sweep();
    await sink.waitFor(mailTo('nocsat@example.test', /All sorted/));
    const csat = (await ctx.db.pool.query(`SELECT state FROM case_notices WHERE case_id = $1 AND event = 'csat'`, [d.caseId])).rows[0];
    expect(csat.state).toBe('skipped');
    await call('PUT', '/api/v1/admin/customer-notices/settings', { events: {}, autoCloseDays: 7 });
    await call('DELETE', '/api/v1/admin/customer-notices/templates/solved/en');
  });

  it('auto-close: a solved case with no reply is closed after N days (clock injected), through the lifecycle, and the customer told', async () => {
    await call('PUT', '/api/v1/admin/customer-notices/settings', { events: {}, autoCloseDays: 3 });
    const c = await newCase('email', 'close.me@example.test', 'en');
    await setStatus(c.caseId, 'solved');
    const now = Date.now();
    expect(await autoCloseSolved(routing(), { now: new Date(now + 2 * 86_400_000) })).not.toContain(c.caseId);
    expect(await autoCloseSolved(routing(), { now: new Date(now + 3 * 86_400_000 + 60_000) })).toContain(c.caseId);
    const row = (await ctx.db.pool.query(`SELECT status, closed_at FROM cases WHERE id = $1`, [c.caseId])).rows[0];
    expect(row.status).toBe('closed');
    const ev = (await ctx.db.pool.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'status_changed' ORDER BY id DESC LIMIT 1`, [c.caseId])).rows[0];
    expect(ev.data).toMatchObject({ from: 'solved', to: 'closed', by: null });
    await sweep();
    await sink.waitFor(mailTo('close.me@example.test', /Your request is closed/));
    await call('PUT', '/api/v1/admin/customer-notices/settings', { events: {}, autoCloseDays: 7 });
  });

  it('a burst of solves nudges the notices worker once per window, not once per solve', async () => {
    const cs = await Promise.all(Array.from({ length: 10 }, (_, i) => newCase('chat', `burst-${i}-${Date.now()}`, 'en')));
    const from = Math.floor(Date.now() / NOTICES_NUDGE_WINDOW_MS);
    await Promise.all(cs.map((c) => setStatus(c.caseId, 'solved')));
    const to = Math.floor(Date.now() / NOTICES_NUDGE_WINDOW_MS);
    const nudges = (await ctx.app.queues.customerNotices.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter((j) => {
      const w = Number(String(j.id).replace('sweep-nudge-', ''));
      return String(j.id).startsWith('sweep-nudge-') && w >= from && w <= to;
    });
    expect(nudges.length).toBeGreaterThanOrEqual(1);
    // one job per window the solves spanned (completed ones are removed, so at most that many remain)
    expect(nudges.length).toBeLessThanOrEqual(to - from + 1);
    expect(new Set(nudges.map((j) => j.id)).size).toBe(nudges.length);
  });

  it('a notice is built once and delivered at most once, however often the sweep and the delivery run', async () => {
    const c = await newCase('sms', '+14155550199', 'en');
    const first = await sweep();
    expect(await sweep()).not.toEqual(expect.arrayContaining(first));
    const id = (await ctx.db.pool.query(`SELECT interaction_id FROM case_notices WHERE case_id = $1 AND event = 'received'`, [c.caseId])).rows[0].interaction_id;
    await waitFor(async () => smsTo('+14155550199').length === 1, 8000, 'receipt');
    await waitFor(async () => (await ctx.db.pool.query(`SELECT provider_message_id FROM interactions WHERE id = $1`, [id])).rows[0].provider_message_id, 8000, 'recorded as sent');
    const deps = { db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: ctx.app.log };
    await deliverInteraction(deps, Number(id), { finalAttempt: false });
    await deliverInteraction(deps, Number(id), { finalAttempt: false });
    expect(smsTo('+14155550199')).toHaveLength(1);
  });
});

describe('a batch of notices', () => {
  it('30 mixed notices: the sendable ones sent, the rest skipped with their reasons, in a fixed number of round trips', async () => {
    await sweep(); // whatever earlier tests left owed
    const emails = [];
    for (let i = 0; i < 9; i++) emails.push(await newCase('email', `batch${i}@example.test`, 'en'));
    // a live chat: no receipt owed; solved and CSAT owed, but the visitor left no email or phone
    const chats = [];
    for (let i = 0; i < 8; i++) {
      const c = await newCase('chat', `batch-visitor-${i}-${Date.now()}`, 'en');
      await setStatus(c.caseId, 'solved');
      chats.push(c);
    }
    const off = await newCase('email', 'batch.off@example.test', 'en');
    await setStatus(off.caseId, 'pending');
    const moved = await newCase('email', 'batch.moved@example.test', 'en');
    // solved and reopened before the sweep: neither the solve nor the CSAT request is true any more
    await setStatus(moved.caseId, 'solved');
    await setStatus(moved.caseId, 'open');
    const pending = (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM case_notices WHERE state = 'pending'`)).rows[0].n;
    expect(pending).toBe(30);

    await call('PUT', '/api/v1/admin/customer-notices/settings', { events: { needs_reply: false }, autoCloseDays: 7 });
    // the sweep on a pool of its own, every statement it sends counted
    const sent: string[] = [];
    const counted = new pg.Pool({ connectionString: ctx.config.databaseUrl, max: 1 });
    counted.on('connect', (client) => {
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      client.query = ((...a: unknown[]) => {
        sent.push(typeof a[0] === 'string' ? a[0] : String((a[0] as { text?: string }).text));
        return query(...a);
      }) as typeof client.query;
    });
    let queued: number[];
    try {
      queued = await sweepCustomerNotices({ db: counted, config: ctx.config, log: ctx.app.log, outbound: ctx.app.queues.outbound }, 50);
    } finally {
      await counted.end();
      await call('PUT', '/api/v1/admin/customer-notices/settings', { events: {}, autoCloseDays: 7 });
    }

    const byCase = async (ids: number[]) =>
      (await ctx.db.pool.query(`SELECT case_id, event, state, skip_reason, interaction_id FROM case_notices WHERE case_id = ANY($1::bigint[]) ORDER BY id`, [ids])).rows;
    const emailRows = await byCase([...emails, off, moved].map((c) => c.caseId));
    const receipts = emailRows.filter((n) => n.event === 'received');
    expect(receipts).toHaveLength(11);
    for (const n of receipts) expect(n).toMatchObject({ state: 'queued', skip_reason: null, interaction_id: expect.any(Number) });
    expect(emailRows.find((n) => n.case_id === off.caseId && n.event === 'needs_reply')).toMatchObject({ state: 'skipped', skip_reason: 'turned off in Admin → Customer notifications' });
    expect(emailRows.filter((n) => n.case_id === moved.caseId && n.event !== 'received')).toMatchObject([
      { event: 'solved', state: 'skipped', skip_reason: 'the case is open now' },
      { event: 'csat', state: 'skipped', skip_reason: 'the case is open now' },
    ]);
    const chatRows = await byCase(chats.map((c) => c.caseId));
    expect(chatRows.map((n) => n.event).sort()).toEqual([...Array(8).fill('csat'), ...Array(8).fill('solved')]);
    for (const n of chatRows) expect(n).toMatchObject({ state: 'skipped', skip_reason: 'no email address or phone number to reach the customer', interaction_id: null });

    // exactly the receipts were sent, each to its own customer
    expect(queued.sort((a, b) => a - b)).toEqual(receipts.map((n) => n.interaction_id).sort((a, b) => a - b));
    const to = (await ctx.db.pool.query(`SELECT case_id, channel, to_address FROM interactions WHERE id = ANY($1::bigint[]) ORDER BY case_id`, [queued])).rows;
    expect(to).toEqual(
      [...emails.map((c, i) => ({ case_id: c.caseId, channel: 'email', to_address: `batch${i}@example.test` })),
        { case_id: off.caseId, channel: 'email', to_address: 'batch.off@example.test' },
        { case_id: moved.caseId, channel: 'email', to_address: 'batch.moved@example.test' }].sort((a, b) => a.case_id - b.case_id),
    );
    await sink.waitFor(mailTo('batch8@example.test', /We received your request/));

    // the batch read its cases once and its customers' addresses once, wrote every skip in one statement and
    // the 11 receipts with their notices' states in one more, reading the receipt's template once
    const count = (re: RegExp) => sent.filter((q) => re.test(q)).length;
    expect(count(/FROM cases c/)).toBe(1);
    expect(count(/customer_identities/)).toBe(1);
    expect(count(/SET state = 'skipped'/)).toBe(1);
    expect(count(/SET state = 'queued'/)).toBe(1);
    expect(count(/INSERT INTO interactions/)).toBe(1);
    expect(count(/FROM notice_templates/)).toBe(1);
    // each receipt's interaction is the one its notice names, and says which notice it is
    const tied = (await ctx.db.pool.query(
      `SELECT n.case_id = i.case_id AS same_case, i.metadata->>'notice' AS notice, i.direction, i.kind, i.delivery_status IS NOT NULL AS has_status
         FROM case_notices n JOIN interactions i ON i.id = n.interaction_id WHERE n.interaction_id = ANY($1::bigint[])`,
      [queued],
    )).rows;
    expect(tied).toHaveLength(11);
    for (const x of tied) expect(x).toEqual({ same_case: true, notice: 'received', direction: 'outbound', kind: 'system', has_status: true });
  });
});
