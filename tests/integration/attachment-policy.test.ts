import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import type { LightMyRequestResponse } from 'fastify';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { makeAgent } from '../helpers/factories.js';
import { startTwilioApiServer, type TwilioApiServer } from '../helpers/twilio-api-server.js';
import { TWILIO_TEST, postTwilio, sid, twilioEnv } from '../helpers/twilio-signing.js';
import { HOSTILE_HTML, JPEG_TINY, PDF_TINY, PNG_1x1 } from '../helpers/files.js';
import { INBOUND_KEY, buildMail, postMime } from './email-helpers.js';
import { createPortalSession } from '../../server/src/channels/portal/sign-in.js';
import { fetchSmsMedia } from '../../server/src/channels/sms/providers/twilio/media.js';
import { mediaLink } from '../../server/src/channels/twilio/media-links.js';

/**
 * One attachment policy on every upload path (chat, portal, inbound API, agent replies, email, MMS) and one responder
 * on every download route: what the client claims about a file never decides how a browser treats it.
 */
const MAX = 4096;
let ctx: TestContext;
let api: TwilioApiServer;
let admin: string;
let visitor: string;
const OUR_NUMBER = '+14155550100';

beforeAll(async () => {
  api = await startTwilioApiServer({ accountSid: TWILIO_TEST.accountSid, authToken: TWILIO_TEST.authToken });
  ctx = await createTestContext(twilioEnv(api.url, { ATTACHMENT_MAX_BYTES: String(MAX) }));
  const a = await makeAgent(ctx.db.pool, { role: 'admin' });
  admin = (await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } })).json().token;
  visitor = (await ctx.app.inject({ method: 'POST', url: '/widget/api/visitors', payload: { name: 'Vic' } })).json().token;
  await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/phone-numbers', headers: { authorization: `Bearer ${admin}` }, payload: { e164: OUR_NUMBER, friendlyName: 'Support' } });
});
afterAll(async () => {
  await ctx?.close();
  await api?.close();
});

const b64 = (b: Buffer) => b.toString('base64');
const row = async (id: number) => (await ctx.db.pool.query(`SELECT * FROM attachments WHERE id = $1`, [id])).rows[0];
const rowsOf = async (interactionId: number) => (await ctx.db.pool.query(`SELECT * FROM attachments WHERE interaction_id = $1 ORDER BY id`, [interactionId])).rows;
const agentDownload = (caseId: number, id: number) =>
  ctx.app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/attachments/${id}`, headers: { authorization: `Bearer ${admin}` } });

/** The headers every attachment response carries, whatever the route. */
function expectSafeHeaders(r: LightMyRequestResponse, type: string, disposition: 'inline' | 'attachment') {
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toBe(type);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
  expect(String(r.headers['content-disposition'])).toMatch(new RegExp(`^${disposition}; filename="[\\x20-\\x7e]+"; filename\\*=UTF-8''`));
}

async function caseOfInteraction(interactionId: number): Promise<number> {
  return (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE id = $1`, [interactionId])).rows[0].case_id;
}

describe('chat widget uploads', () => {
  it('a hostile content type is stored as octet-stream and downloads (never renders) on the widget and agent routes', async () => {
    const r = await ctx.app.inject({
      method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': visitor },
      payload: { text: 'song', clientId: 'h1', attachments: [{ filename: '..\\..\\song\u202Eslmth.mp3', contentType: 'audio/mpeg; x=1, text/html', contentBase64: b64(HOSTILE_HTML) }] },
    });
    expect(r.statusCode).toBe(201);
    const att = r.json().attachments[0];
    const stored = await row(att.id);
    expect(stored).toMatchObject({ content_type: 'application/octet-stream', filename: 'songslmth.mp3' });

    const widget = await ctx.app.inject({ method: 'GET', url: `${att.url}?token=${encodeURIComponent(visitor)}` });
    expectSafeHeaders(widget, 'application/octet-stream', 'attachment');
    const agent = await agentDownload(await caseOfInteraction(stored.interaction_id), att.id);
    expectSafeHeaders(agent, 'application/octet-stream', 'attachment');
    expect(agent.rawPayload.equals(HOSTILE_HTML)).toBe(true);
  });

  it('a real image is recognised by its bytes, whatever was declared, and shown inline', async () => {
    const r = await ctx.app.inject({
      method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': visitor },
      payload: { text: '', clientId: 'h2', attachments: [{ filename: 'shot.png', contentType: 'text/html', contentBase64: b64(PNG_1x1) }] },
    });
    const att = r.json().attachments[0];
    expect((await row(att.id)).content_type).toBe('image/png');
    expectSafeHeaders(await ctx.app.inject({ method: 'GET', url: `${att.url}?token=${encodeURIComponent(visitor)}` }), 'image/png', 'inline');
  });

  it('the global cap applies even where the channel allows more', async () => {
    const r = await ctx.app.inject({
      method: 'POST', url: '/widget/api/messages', headers: { 'x-visitor-token': visitor },
      payload: { text: '', clientId: 'h3', attachments: [{ filename: 'big.bin', contentBase64: b64(Buffer.alloc(MAX + 1)) }] },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().message).toBe(`attachment "big.bin" is ${MAX + 1} bytes; the limit is ${MAX} bytes`);
  });
});

describe('portal uploads', () => {
  it('keeps a Persian name, drops bidi tricks, and stores a list-of-types claim as octet-stream', async () => {
    const s = await createPortalSession(ctx.db.pool, { kind: 'email', value: 'parisa@example.test' }, 'fa', 1);
    const r = await ctx.app.inject({
      method: 'POST', url: '/portal/api/requests', headers: { cookie: `ch_portal=${s.token}`, origin: ctx.config.publicUrl },
      payload: {
        subject: 'رسید', description: 'پیوست',
        attachments: [
          { filename: 'رسید\u200Cخرید.png', contentType: 'image/png', contentBase64: b64(PNG_1x1) },
          { filename: 'clip\u202E4pm.html', contentType: 'video/mp4;,text/html', contentBase64: b64(HOSTILE_HTML) },
        ],
      },
    });
    expect(r.statusCode).toBe(201);
    const i = (await ctx.db.pool.query(`SELECT i.id FROM interactions i JOIN cases c ON c.id = i.case_id WHERE c.number = $1`, [r.json().number])).rows[0];
    const rows = await rowsOf(i.id);
    expect(rows.map((x) => [x.filename, x.content_type])).toEqual([
      ['رسید\u200Cخرید.png', 'image/png'],
      ['clip4pm.html', 'application/octet-stream'],
    ]);
    const dl = await ctx.app.inject({ method: 'GET', url: `/portal/api/attachments/${rows[0].id}`, headers: { cookie: `ch_portal=${s.token}` } });
    expectSafeHeaders(dl, 'image/png', 'inline');
    expect(dl.headers['content-disposition']).toBe(`inline; filename="attachment.png"; filename*=UTF-8''${encodeURIComponent('رسید\u200Cخرید.png')}`);
    expectSafeHeaders(await ctx.app.inject({ method: 'GET', url: `/portal/api/attachments/${rows[1].id}`, headers: { cookie: `ch_portal=${s.token}` } }), 'application/octet-stream', 'attachment');
  });
});

describe('inbound API', () => {
  const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': INBOUND_KEY }, payload });

  it('sanitises file names and applies the type rule and the cap (it skipped both before)', async () => {
    const r = await post({
      providerMessageId: 'api-att-1', from: { kind: 'email', value: 'api@example.test' }, text: 'files',
      attachments: [
        { filename: '../../etc/passwd', contentType: 'text/plain', contentBase64: b64(Buffer.from('root:x:0:0')) },
        { filename: 'page.html', contentType: 'text/html', contentBase64: b64(HOSTILE_HTML) },
      ],
    });
    expect(r.statusCode).toBe(201);
    expect((await rowsOf(r.json().interactionId)).map((x) => [x.filename, x.content_type])).toEqual([
      ['passwd', 'text/plain'],
      ['page.html', 'application/octet-stream'],
    ]);
    const big = await post({ providerMessageId: 'api-att-2', from: { kind: 'email', value: 'api@example.test' }, text: 'big', attachments: [{ filename: 'big.bin', contentBase64: b64(Buffer.alloc(MAX + 10)) }] });
    expect(big.statusCode).toBe(413);
    expect((await ctx.db.pool.query(`SELECT 1 FROM raw_events WHERE provider_message_id = 'api-att-2'`)).rowCount).toBe(0);
  });
});

describe('agent replies', () => {
  it('sniff the type, clean the name and refuse files over the cap with nothing written', async () => {
    const c = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': INBOUND_KEY }, payload: { providerMessageId: 'rep-1', from: { kind: 'email', value: 'rep@example.test' }, text: 'hi' } });
    const caseId = c.json().caseId;
    const send = (attachments: object[]) =>
      ctx.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${admin}` }, payload: { internal: true, text: 'see file', attachments } });
    const ok = await send([{ filename: 'in\u0007voice\r\n.pdf', contentType: 'text/html', contentBase64: b64(PDF_TINY) }]);
    expect(ok.statusCode).toBe(201);
    const [att] = await rowsOf(ok.json().interactionId);
    expect(att).toMatchObject({ filename: 'invoice.pdf', content_type: 'application/pdf' });
    expectSafeHeaders(await agentDownload(caseId, att.id), 'application/pdf', 'inline');

    const before = Number((await ctx.db.pool.query(`SELECT count(*) n FROM interactions WHERE case_id = $1`, [caseId])).rows[0].n);
    const big = await send([{ filename: 'big.bin', contentBase64: b64(Buffer.alloc(MAX + 1)) }]);
    expect(big.statusCode).toBe(413);
    expect(Number((await ctx.db.pool.query(`SELECT count(*) n FROM interactions WHERE case_id = $1`, [caseId])).rows[0].n)).toBe(before);
  });
});

describe('email', () => {
  it('an HTML attachment is stored as octet-stream; an oversized one is left out and flagged, the mail still lands', async () => {
    const raw = await buildMail({
      from: 'mia@example.org', to: 'support@example.test', subject: 'Files', text: 'Two files',
      attachments: [
        { filename: 'invoice.html', content: HOSTILE_HTML, contentType: 'text/html' },
        { filename: 'huge.bin', content: Buffer.alloc(MAX + 100), contentType: 'application/octet-stream' },
      ],
    });
    const r = await postMime(ctx, raw);
    expect(r.statusCode).toBe(201);
    expect(r.json().flags).toContain(`attachment-too-large: huge.bin (${MAX + 100} bytes)`);
    const rows = await rowsOf(r.json().interactionId);
    expect(rows.map((x) => [x.filename, x.content_type])).toEqual([['invoice.html', 'application/octet-stream']]);
    expectSafeHeaders(await agentDownload(r.json().caseId, rows[0].id), 'application/octet-stream', 'attachment');
  });
});

describe('MMS', () => {
  it('media Twilio labels as an image but that is HTML is stored as octet-stream', async () => {
    const msgSid = sid('MM');
    const mediaPath = `/2010-04-01/Accounts/${TWILIO_TEST.accountSid}/Messages/${msgSid}/Media/${sid('ME')}`;
    api.serve(mediaPath, 'image/png', HOSTILE_HTML);
    const p = { MessageSid: msgSid, AccountSid: TWILIO_TEST.accountSid, From: '+14155550177', To: OUR_NUMBER, Body: 'pic', NumMedia: '1', MediaUrl0: `https://api.twilio.com${mediaPath}`, MediaContentType0: 'image/png' };
    expect((await postTwilio(ctx.app, '/webhooks/twilio/sms', p)).statusCode).toBe(200);
    const i = (await ctx.db.pool.query(`SELECT id, case_id FROM interactions WHERE provider_message_id = $1`, [msgSid])).rows[0];
    // the media job's work, run here directly so the test needs no worker
    await fetchSmsMedia({ db: ctx.db.pool, config: ctx.config, store: ctx.app.store, log: pino({ level: 'silent' }) }, i.id);
    const [att] = await rowsOf(i.id);
    expect(att).toMatchObject({ content_type: 'application/octet-stream', filename: `mms-${i.id}-1.png` });
    expectSafeHeaders(await agentDownload(i.case_id, att.id), 'application/octet-stream', 'attachment');
  });

  it('a Persian file name on an outbound MMS makes its signed media link answer 200 with an RFC 5987 name', async () => {
    const p = { MessageSid: sid('SM'), AccountSid: TWILIO_TEST.accountSid, From: '+14155550178', To: OUR_NUMBER, Body: 'salam', NumMedia: '0' };
    await postTwilio(ctx.app, '/webhooks/twilio/sms', p);
    const caseId = (await ctx.db.pool.query(`SELECT case_id FROM interactions WHERE provider_message_id = $1`, [p.MessageSid])).rows[0].case_id;
    const r = await ctx.app.inject({
      method: 'POST', url: `/api/v1/cases/${caseId}/messages`, headers: { authorization: `Bearer ${admin}` },
      payload: { text: 'برچسب ارسال', attachments: [{ filename: 'برچسب ارسال.jpg', contentType: 'image/jpeg', contentBase64: b64(JPEG_TINY) }] },
    });
    expect(r.statusCode).toBe(201);
    const [att] = await rowsOf(r.json().interactionId);
    const link = new URL(mediaLink(ctx.config, att.storage_key));
    const got = await ctx.app.inject({ method: 'GET', url: link.pathname + link.search });
    expectSafeHeaders(got, 'image/jpeg', 'inline');
    expect(got.headers['content-disposition']).toBe(`inline; filename="attachment.jpg"; filename*=UTF-8''${encodeURIComponent('برچسب ارسال.jpg')}`);
    expect(got.rawPayload.equals(JPEG_TINY)).toBe(true);
  });
});

describe('rows stored before the policy', () => {
  it('are served by what they are allowed to be, and the migration normalises them', async () => {
    const c = await ctx.app.inject({ method: 'POST', url: '/api/v1/inbound', headers: { 'x-api-key': INBOUND_KEY }, payload: { providerMessageId: 'old-1', from: { kind: 'email', value: 'old@example.test' }, text: 'old' } });
    const { interactionId, caseId } = c.json();
    const s = await ctx.app.store.put(HOSTILE_HTML, 'x.mp3');
    const ins = await ctx.db.pool.query(
      `INSERT INTO attachments (interaction_id, filename, content_type, size_bytes, sha256, storage_key) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [interactionId, 'dir/evil\u202Egnp.mp3', 'audio/mpeg; x=1, text/html', s.size, s.sha256, s.key],
    );
    const id = ins.rows[0].id;
    const dl = await agentDownload(caseId, id);
    expectSafeHeaders(dl, 'application/octet-stream', 'attachment');
    expect(dl.headers['content-disposition']).toContain(`filename*=UTF-8''evilgnp.mp3`);
    await ctx.db.pool.query(await readFile(new URL('../../migrations/0601_attachment_types.sql', import.meta.url), 'utf8'));
    expect(await row(id)).toMatchObject({ filename: 'evilgnp.mp3', content_type: 'application/octet-stream' });
  });
});
