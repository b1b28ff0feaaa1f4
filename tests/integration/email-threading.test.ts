import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { adminToken, buildMail, postMime, uniqueMessageId } from './email-helpers.js';

let ctx: TestContext;
let mailboxId: number;

beforeAll(async () => {
  ctx = await createTestContext({ EMAIL_THROTTLE_MAX: '10', EMAIL_THROTTLE_WINDOW_SECONDS: '600' });
  const token = await adminToken(ctx);
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/admin/mailboxes',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'Support', address: 'support@example.test', displayName: 'ACME Support', autoAck: false },
  });
  expect(r.statusCode).toBe(201);
  mailboxId = r.json().id;
});
afterAll(async () => {
  await ctx.close();
});

async function send(spec: Parameters<typeof buildMail>[0]) {
  const messageId = spec.messageId ?? uniqueMessageId();
  const raw = await buildMail({ ...spec, messageId });
  const r = await postMime(ctx, raw);
  expect([200, 201, 202]).toContain(r.statusCode);
  return { ...r.json(), messageId, raw } as {
    caseId: number; caseNumber: number; interactionId: number; newCase: boolean; duplicate: boolean; flags: string[]; stored: string; messageId: string; raw: Buffer;
  };
}

const q = async (sql: string, params: unknown[] = []) => (await ctx.db.pool.query(sql, params)).rows;

describe('email threading', () => {
  let first: Awaited<ReturnType<typeof send>>;
  let annCustomer: number;

  beforeAll(async () => {
    first = await send({ from: 'Ann Smith <ann@corp.test>', subject: 'Printer is on fire', text: 'Please help, the printer is on fire.' });
    annCustomer = (await q(`SELECT customer_id FROM cases WHERE id = $1`, [first.caseId]))[0].customer_id;
  });

  it('a new mail opens a case in the mailbox, with the Message-ID as provider id', async () => {
    expect(first.newCase).toBe(true);
    const [i] = await q(`SELECT provider, provider_message_id, from_address, to_address, subject, text, metadata FROM interactions WHERE id = $1`, [first.interactionId]);
    expect(i).toMatchObject({ provider: 'email', provider_message_id: first.messageId, from_address: 'ann@corp.test', to_address: 'support@example.test', subject: 'Printer is on fire' });
    expect(i.metadata.mailboxId).toBe(mailboxId);
    expect((await q(`SELECT channel, routing_state FROM cases WHERE id = $1`, [first.caseId]))[0]).toEqual({ channel: 'email', routing_state: 'waiting' });
  });

  it('the same message delivered twice is stored once', async () => {
    const again = await postMime(ctx, first.raw);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, caseId: first.caseId, interactionId: first.interactionId });
    expect((await q(`SELECT count(*)::int AS n FROM interactions WHERE provider_message_id = $1`, [first.messageId]))[0].n).toBe(1);
  });

  it('a mail addressed to two of our mailboxes becomes one message on one case', async () => {
    const token = await adminToken(ctx);
    const sales = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/mailboxes', headers: { authorization: `Bearer ${token}` }, payload: { name: 'Sales', address: 'sales@example.test', autoAck: false } });
    expect(sales.statusCode).toBe(201);
    const raw = await buildMail({ from: 'oscar@example.org', to: 'support@example.test', cc: ['sales@example.test'], subject: 'Quote and support', messageId: uniqueMessageId('both') });
    const a = await postMime(ctx, raw, '?mailbox=support@example.test');
    const b = await postMime(ctx, raw, `?mailbox=${sales.json().id}`);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ duplicate: true, interactionId: a.json().interactionId, caseId: a.json().caseId });
    // Our own addresses are never recorded as participants.
    expect(await q(`SELECT value FROM case_participants WHERE case_id = $1`, [a.json().caseId])).toEqual([]);
  });

  it('a reply with only References joins the case', async () => {
    const r = await send({ from: 'ann@corp.test', subject: 'Re: Printer is on fire', references: ['root@elsewhere.test', first.messageId], text: 'Still burning.' });
    expect(r).toMatchObject({ caseId: first.caseId, newCase: false });
  });

  it('a reply with a changed subject joins the case by In-Reply-To', async () => {
    const r = await send({ from: 'ann@corp.test', subject: 'Something entirely different', inReplyTo: first.messageId, text: 'Also the fax.' });
    expect(r).toMatchObject({ caseId: first.caseId, newCase: false });
  });

  it('a reply from another address of the same customer joins the case', async () => {
    await ctx.db.pool.query(`INSERT INTO customer_identities (customer_id, kind, value) VALUES ($1, 'email', 'ann.smith@home.test')`, [annCustomer]);
    const r = await send({ from: 'ann.smith@home.test', subject: 'Re: Printer is on fire', inReplyTo: first.messageId });
    expect(r).toMatchObject({ caseId: first.caseId, newCase: false });
    expect((await q(`SELECT customer_id FROM interactions WHERE id = $1`, [r.interactionId]))[0].customer_id).toBe(annCustomer);
  });

  it('an unrelated sender quoting our Message-ID (or the case token) does not join the case', async () => {
    const r = await send({ from: 'mallory@evil.test', subject: `Re: Printer is on fire [#${first.caseNumber}]`, inReplyTo: first.messageId, references: [first.messageId] });
    expect(r.newCase).toBe(true);
    expect(r.caseId).not.toBe(first.caseId);
    const [c] = await q(`SELECT customer_id FROM cases WHERE id = $1`, [r.caseId]);
    expect(c.customer_id).not.toBe(annCustomer);
  });

  it('a CC-ed participant is recorded and their reply joins the case on the customer history', async () => {
    const withCc = await send({ from: 'ann@corp.test', cc: ['Bob <bob@corp.test>', 'support@example.test'], inReplyTo: first.messageId, subject: 'Re: Printer is on fire', text: 'Adding Bob.' });
    expect(withCc.caseId).toBe(first.caseId);
    const parts = await q(`SELECT value FROM case_participants WHERE case_id = $1 ORDER BY value`, [first.caseId]);
    expect(parts.map((p) => p.value)).toEqual(['bob@corp.test']);
    const customersBefore = (await q(`SELECT count(*)::int AS n FROM customers`))[0].n;
    const bob = await send({ from: 'bob@corp.test', inReplyTo: withCc.messageId, references: [first.messageId, withCc.messageId], subject: 'Re: Printer is on fire', text: 'I am on it.' });
    expect(bob).toMatchObject({ caseId: first.caseId, newCase: false });
    const [i] = await q(`SELECT customer_id, from_address FROM interactions WHERE id = $1`, [bob.interactionId]);
    expect(i).toEqual({ customer_id: annCustomer, from_address: 'bob@corp.test' });
    expect((await q(`SELECT count(*)::int AS n FROM customers`))[0].n).toBe(customersBefore);
  });

  it('forwarded mail opens a new case instead of gluing onto an old thread', async () => {
    // Ann's colleague, not on the case, forwards our thread with its References.
    const fwd = await send({ from: 'carol@corp.test', subject: 'Fwd: Printer is on fire', references: [first.messageId], text: '---------- Forwarded message ---------\nFrom: Ann' });
    expect(fwd.newCase).toBe(true);
    // Ann forwards an unrelated newsletter (foreign References): a new case although her case is open.
    const news = await send({ from: 'ann@corp.test', subject: 'Fwd: Monthly newsletter', references: ['news-1@newsletter.example'], text: 'Is this offer real?' });
    expect(news.newCase).toBe(true);
    expect(news.caseId).not.toBe(first.caseId);
  });

  it('two different messages with the same Message-ID from different senders are both kept, separately', async () => {
    const id = uniqueMessageId('dup');
    const dave = await send({ from: 'dave@one.test', messageId: id, subject: 'Invoice', text: 'Dave here' });
    const eve = await send({ from: 'eve@two.test', messageId: id, subject: 'Refund', text: 'Eve here' });
    expect(dave.newCase).toBe(true);
    expect(eve.newCase).toBe(true);
    expect(eve.duplicate).toBe(false);
    expect(eve.caseId).not.toBe(dave.caseId);
    const rows = await q(`SELECT from_address, text FROM interactions WHERE provider = 'email' AND provider_message_id LIKE $1 ORDER BY id`, [`${id}%`]);
    expect(rows).toEqual([{ from_address: 'dave@one.test', text: 'Dave here' }, { from_address: 'eve@two.test', text: 'Eve here' }]);
    // Eve's reply to "her" message stays with Eve.
    const eveReply = await send({ from: 'eve@two.test', inReplyTo: id, subject: 'Re: Refund' });
    expect(eveReply.caseId).toBe(eve.caseId);
  });

  it('a subject token threads a mail without headers when the sender belongs to the case', async () => {
    const r = await send({ from: 'ann@corp.test', subject: `More details [#${first.caseNumber}]`, text: 'Photo of the printer.' });
    expect(r).toMatchObject({ caseId: first.caseId, newCase: false });
  });

  it('a reply to a solved case reopens it; to a closed case opens a linked follow-up', async () => {
    await ctx.db.pool.query(`UPDATE cases SET status = 'solved', solved_at = now() WHERE id = $1`, [first.caseId]);
    const r = await send({ from: 'ann@corp.test', inReplyTo: first.messageId, subject: 'Re: Printer is on fire', text: 'It is burning again.' });
    expect(r.caseId).toBe(first.caseId);
    expect((await q(`SELECT status FROM cases WHERE id = $1`, [first.caseId]))[0].status).toBe('open');
    expect((await q(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND type = 'reopened'`, [first.caseId]))[0].n).toBe(1);

    await ctx.db.pool.query(`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = $1`, [first.caseId]);
    const late = await send({ from: 'ann@corp.test', inReplyTo: first.messageId, subject: 'Re: Printer is on fire', text: 'New printer also burns.' });
    expect(late.newCase).toBe(true);
    expect(late.caseId).not.toBe(first.caseId);
    expect(await q(`SELECT kind FROM case_links WHERE case_id = $1 AND linked_case_id = $2`, [late.caseId, first.caseId])).toEqual([{ kind: 'follow_up' }]);
  });
});

describe('email content', () => {
  it('stores sanitised HTML, the trimmed text and keeps the full original', async () => {
    const r = await send({
      from: 'frank@example.org',
      subject: 'Screenshot',
      text: 'Here it is.\n\nOn Tue, Support <support@example.test> wrote:\n> send a screenshot',
      html: '<p onmouseover="x()">Here it is.</p><script>alert(1)</script><img src="https://tracker.example/open.gif"><img src="x" onerror="alert(2)">',
    });
    const [i] = await q(`SELECT text, html, metadata, raw_event_id FROM interactions WHERE id = $1`, [r.interactionId]);
    expect(i.text).toBe('Here it is.');
    expect(i.metadata.fullText).toContain('send a screenshot');
    expect(i.html).toContain('Here it is.');
    expect(i.html).not.toMatch(/script|onmouseover|onerror|tracker\.example/);
    const [raw] = await q(`SELECT payload FROM raw_events WHERE id = $1`, [i.raw_event_id]);
    expect(Buffer.from(raw.payload.data, 'base64').equals(r.raw)).toBe(true);
  });

  it('keeps inline images as attachments with their Content-ID, referenced from the HTML', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0c1b6d90000000049454e44ae426082', 'hex');
    const r = await send({
      from: 'ivy@example.org',
      subject: 'Error screenshot',
      html: '<p>This error:</p><img src="cid:shot1@ivy">',
      attachments: [{ filename: 'shot.png', content: png, contentType: 'image/png', cid: 'shot1@ivy' }],
    });
    const [i] = await q(`SELECT html FROM interactions WHERE id = $1`, [r.interactionId]);
    expect(i.html).toContain('src="cid:shot1@ivy"');
    const [a] = await q(`SELECT filename, content_id, inline, size_bytes FROM attachments WHERE interaction_id = $1`, [r.interactionId]);
    expect(a).toEqual({ filename: 'shot.png', content_id: 'shot1@ivy', inline: true, size_bytes: png.length });
  });

  it('stores a Persian message sent base64 and quoted-printable correctly', async () => {
    const text = 'سلام، فاکتور من اشتباه است و مبلغ دو بار کسر شده. لطفاً بررسی کنید.';
    for (const enc of ['base64', 'quoted-printable']) {
      const body = enc === 'base64'
        ? Buffer.from(text).toString('base64')
        : [...Buffer.from(text)].map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`).join('').replace(/(.{72})/g, '$1=\r\n');
      const raw = Buffer.from(
        `From: =?UTF-8?B?${Buffer.from('رضا').toString('base64')}?= <reza-${enc}@example.ir>\r\nTo: support@example.test\r\n` +
          `Subject: =?UTF-8?Q?${[...Buffer.from('فاکتور')].map((b) => `=${b.toString(16).toUpperCase()}`).join('')}?=\r\n` +
          `Message-ID: <fa-${enc}-${Date.now()}@example.ir>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${enc}\r\n\r\n${body}\r\n`,
      );
      const res = await postMime(ctx, raw);
      expect(res.statusCode).toBe(201);
      const [i] = await q(`SELECT text, subject, metadata FROM interactions WHERE id = $1`, [res.json().interactionId]);
      expect(i.text.trim()).toBe(text);
      expect(i.subject).toBe('فاکتور');
      expect(i.metadata.fromName).toBe('رضا');
      const [c] = await q(`SELECT c.name FROM customers c JOIN cases k ON k.customer_id = c.id WHERE k.id = $1`, [res.json().caseId]);
      expect(c.name).toBe('رضا');
    }
  });

  it('a malformed MIME message is stored raw and flagged, not dropped', async () => {
    const raw = Buffer.from(
      'From: grace@example.org\r\nTo: support@example.test\r\nSubject: broken\r\nMessage-ID: <broken-1@example.org>\r\nContent-Type: multipart/mixed; boundary="abc"\r\n\r\n' +
        '--abc\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64 at all%%%\r\nmy order 77 is missing\r\n',
    );
    const r = await postMime(ctx, raw);
    expect(r.statusCode).toBe(201);
    expect(r.json().flags.join(' ')).toMatch(/malformed-mime: multipart not terminated/);
    const [i] = await q(`SELECT i.case_id, e.status, e.error, e.payload FROM interactions i JOIN raw_events e ON e.id = i.raw_event_id WHERE i.id = $1`, [r.json().interactionId]);
    expect(i.status).toBe('flagged');
    expect(i.error).toMatch(/malformed-mime/);
    expect(Buffer.from(i.payload.data, 'base64').equals(raw)).toBe(true);

    const junk = Buffer.from('\u0000\u0001 this is not an email at all\n\nno headers, no sender');
    const j = await postMime(ctx, junk);
    expect(j.statusCode).toBe(202);
    expect(j.json()).toMatchObject({ stored: 'raw-only' });
    const [e] = await q(`SELECT status, error, payload FROM raw_events WHERE provider = 'email' AND provider_message_id = $1`, [j.json().messageId]);
    expect(e.status).toBe('flagged');
    expect(e.error).toMatch(/no usable sender/);
    expect(Buffer.from(e.payload.data, 'base64').equals(junk)).toBe(true);
  });

  it('auto-replies, bounces and list mail are stored flagged and do not wake an agent', async () => {
    const cases: { from: string; headers: Record<string, string>; flag: string }[] = [
      { from: 'away@client.test', headers: { 'Auto-Submitted': 'auto-replied' }, flag: 'auto-reply' },
      { from: 'ooo@client.test', headers: { 'X-Autoreply': 'yes' }, flag: 'auto-reply' },
      { from: 'MAILER-DAEMON@mx.client.test', headers: { 'Return-Path': '<>' }, flag: 'bounce' },
      { from: 'news@shop.test', headers: { 'List-Id': '<deals.shop.test>', Precedence: 'bulk' }, flag: 'list' },
    ];
    for (const c of cases) {
      const r = await send({ from: c.from, headers: c.headers, subject: 'Automatic' });
      expect(r.flags).toContain(c.flag);
      const [row] = await q(`SELECT e.status, k.routing_state FROM interactions i JOIN raw_events e ON e.id = i.raw_event_id JOIN cases k ON k.id = i.case_id WHERE i.id = $1`, [r.interactionId]);
      expect(row).toEqual({ status: 'flagged', routing_state: 'none' });
    }
  });

  it('a sender mailing faster than the threshold is throttled', async () => {
    const flags: string[][] = [];
    for (let n = 0; n < 11; n++) flags.push((await send({ from: 'flood@spam.test', subject: `Flood ${n}` })).flags);
    expect(flags.slice(0, 10).every((f) => !f.includes('throttled'))).toBe(true);
    expect(flags[10]).toContain('throttled');
  });

  it('the webhook needs an API key and a raw message', async () => {
    const raw = await buildMail({ from: 'x@y.test' });
    const noKey = await ctx.app.inject({ method: 'POST', url: '/webhooks/email/mime', headers: { 'content-type': 'message/rfc822' }, payload: raw });
    expect(noKey.statusCode).toBe(401);
    const json = await ctx.app.inject({ method: 'POST', url: '/webhooks/email/mime', headers: { 'x-api-key': 'test-inbound-key-0123456789' }, payload: { a: 1 } });
    expect(json.statusCode).toBe(400);
    const unknown = await postMime(ctx, raw, '?mailbox=nobody@example.test');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/mailbox/);
  });
});
