import { describe, expect, it } from 'vitest';
import { parseMime } from '../../server/src/channels/email/parse-mime.js';
import { sanitizeEmailHtml } from '../../server/src/channels/email/sanitize-html.js';
import { trimQuotedText } from '../../server/src/channels/email/trim-quoted.js';
import { classifyNoise, isNoReplyAddress } from '../../server/src/channels/email/noise.js';
import { caseIdFromMessageId, messageIdList, outgoingMessageId } from '../../server/src/channels/email/message-ids.js';
import { renderAutoAck } from '../../server/src/channels/email/auto-ack.js';

const PERSIAN = 'سلام، سفارش من هنوز نرسیده است. لطفاً پیگیری کنید.';
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

describe('email parsing', () => {
  it('decodes a Persian UTF-8 body in base64 and a quoted-printable one, and an encoded subject', async () => {
    const b64 = await parseMime(
      Buffer.from(
        crlf(`From: =?UTF-8?B?${Buffer.from('مریم').toString('base64')}?= <maryam@example.ir>
To: support@example.test
Subject: =?UTF-8?B?${Buffer.from('پیگیری سفارش').toString('base64')}?=
Message-ID: <fa-1@example.ir>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

${Buffer.from(PERSIAN).toString('base64').replace(/(.{76})/g, '$1\n')}
`),
      ),
    );
    expect(b64.text.trim()).toBe(PERSIAN);
    expect(b64.subject).toBe('پیگیری سفارش');
    expect(b64.from).toEqual({ address: 'maryam@example.ir', name: 'مریم' });
    expect(b64.defects).toEqual([]);

    const qpBody = [...Buffer.from(PERSIAN)].map((b) => (b < 128 && b !== 61 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
    const qpWrapped = qpBody.match(/.{1,72}(?:=[0-9A-F]{2})?/g)!.join('=\n');
    const qp = await parseMime(
      Buffer.from(crlf(`From: maryam@example.ir\nTo: support@example.test\nSubject: x\nMessage-ID: <fa-2@example.ir>\nMIME-Version: 1.0\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n${qpWrapped}\n`)),
    );
    expect(qp.text.trim()).toBe(PERSIAN);
  });

  it('flags broken MIME structure but still yields a sender and text', async () => {
    const p = await parseMime(
      Buffer.from(crlf(`From: bob@example.com\nSubject: broken\nContent-Type: multipart/mixed\n\n--nothing\nContent-Type: text/plain\n\nhello there\n`)),
    );
    expect(p.defects).toContain('multipart without boundary');
    expect(p.from?.address).toBe('bob@example.com');
    expect(p.text).toContain('hello there');
    const junk = await parseMime(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x42, 0x0a, 0x0a, 0x43]));
    expect(junk.defects.length).toBeGreaterThan(0);
    expect(junk.from).toBeNull();
    expect(junk.messageId).toMatch(/@no-message-id\.invalid$/);
  });

  it('sanitises HTML: no scripts, event handlers or remote images; inline images stay', () => {
    const out = sanitizeEmailHtml(
      `<p onclick="steal()">Hi<script>alert(1)</script></p><img src="x" onerror="alert(2)"><img src="https://tracker.example/p.gif?u=1">` +
        `<img src="cid:logo@x"><a href="javascript:alert(3)">bad</a><a href="https://example.com/help">help</a><style>body{background:url(https://t.example/x)}</style>`,
    );
    expect(out).not.toMatch(/script|onerror|onclick|tracker\.example|javascript:|t\.example|<style/i);
    expect(out).toContain('src="cid:logo@x"');
    expect(out).toContain('href="https://example.com/help"');
    expect(out).toContain('Hi');
  });

  it('trims quoted history and signatures but keeps a message that is only quotes', () => {
    const t = trimQuotedText('Thanks, that worked!\n\n-- \nAnn Smith\nACME\n\nOn Mon, 2 Nov 2026 at 10:00, Support <support@example.test> wrote:\n> Try restarting.\n> Bye');
    expect(t).toEqual({ text: 'Thanks, that worked!', trimmed: true });
    const outlook = trimQuotedText('See attached.\r\n\r\nFrom: Support <support@example.test>\r\nSent: Monday\r\nTo: Ann\r\nSubject: RE: x\r\n\r\nold text');
    expect(outlook.text).toBe('See attached.');
    const original = trimQuotedText('New info here\n-----Original Message-----\nold');
    expect(original.text).toBe('New info here');
    const persian = trimQuotedText('ممنون، مشکل حل شد.\n\nدر تاریخ ۱۴۰۵/۰۹/۰۲، پشتیبانی نوشت:\n> متن قبلی');
    expect(persian.text).toBe('ممنون، مشکل حل شد.');
    expect(trimQuotedText('> only quoted\n> text').text).toBe('> only quoted\n> text');
  });

  it('recognises auto-replies, bounces and list mail', () => {
    expect(classifyNoise({ 'auto-submitted': 'auto-replied' }, 'text/plain', 'a@b.com')).toBe('auto-reply');
    expect(classifyNoise({ 'auto-submitted': 'no' }, 'text/plain', 'a@b.com')).toBeNull();
    expect(classifyNoise({ 'x-autoreply': 'yes' }, 'text/plain', 'a@b.com')).toBe('auto-reply');
    expect(classifyNoise({ precedence: 'bulk' }, 'text/plain', 'a@b.com')).toBe('list');
    expect(classifyNoise({ 'list-id': '<news.example.com>' }, 'text/plain', 'a@b.com')).toBe('list');
    expect(classifyNoise({ 'return-path': '<>' }, 'text/plain', 'a@b.com')).toBe('bounce');
    expect(classifyNoise({ 'return-path': '<a@b.com>' }, 'text/plain', 'a@b.com')).toBeNull();
    expect(classifyNoise({}, 'multipart/report; report-type=delivery-status; boundary="x"', 'a@b.com')).toBe('bounce');
    expect(classifyNoise({}, 'text/plain', 'MAILER-DAEMON@mx.example.com')).toBe('bounce');
    expect(isNoReplyAddress('no-reply@shop.example')).toBe(true);
    expect(isNoReplyAddress('ann@example.com')).toBe(false);
  });

  it('encodes the case in our Message-IDs and rejects forged ones', () => {
    const key = Buffer.alloc(32, 3);
    const id = outgoingMessageId(key, 42, 7, 'example.test');
    expect(caseIdFromMessageId(key, id)).toBe(42);
    expect(caseIdFromMessageId(key, id.replace('ch.42.', 'ch.43.'))).toBeNull();
    expect(caseIdFromMessageId(Buffer.alloc(32, 4), id)).toBeNull();
    expect(messageIdList('<a@x> <b@y>', ['<b@y>', '<c@z>'])).toEqual(['a@x', 'b@y', 'c@z']);
  });

  it('renders the acknowledgement in the customer language with per-mailbox overrides', () => {
    const mb = { displayName: 'ACME Support', address: 'support@example.test', autoAckTemplates: {} };
    const fa = renderAutoAck(mb, 'fa', { number: 1234, subject: 'سفارش', name: 'مریم' });
    expect(fa.subject).toContain('[#1234]');
    expect(fa.text).toContain('مریم');
    expect(fa.text).toContain('#1234');
    const en = renderAutoAck({ ...mb, autoAckTemplates: { en: { subject: 'Got it [#{number}]' } } }, 'en', { number: 7, subject: 's', name: null });
    expect(en.subject).toBe('Got it [#7]');
    expect(en.text).toContain('ACME Support');
  });
});
