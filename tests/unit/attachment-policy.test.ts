import { describe, expect, it } from 'vitest';
import { contentTypeFor, decodeBase64Attachments, plainMediaType, sanitiseFilename, servableType } from '../../server/src/storage/attachment-policy.js';
import { contentDisposition } from '../../server/src/storage/send-attachment.js';
import { HOSTILE_HTML, JPEG_TINY, PDF_TINY, PNG_1x1 } from '../helpers/files.js';

describe('content types', () => {
  it('accept only one plain type/subtype; parameters are dropped, lists refused', () => {
    expect(plainMediaType('Image/PNG')).toBe('image/png');
    expect(plainMediaType('text/plain; charset=utf-8')).toBe('text/plain');
    expect(plainMediaType('audio/mpeg; x=1, text/html')).toBeNull();
    expect(plainMediaType('video/mp4;,text/html')).toBeNull();
    expect(plainMediaType('text/html\u0000')).toBeNull();
    expect(plainMediaType('')).toBeNull();
  });

  it('come from the bytes where the format has a signature, whatever was declared', async () => {
    expect(await contentTypeFor(PNG_1x1, 'text/html')).toBe('image/png');
    expect(await contentTypeFor(JPEG_TINY, undefined)).toBe('image/jpeg');
    expect(await contentTypeFor(PDF_TINY, 'application/octet-stream')).toBe('application/pdf');
    // HTML has no signature: a claimed media type is not believed
    expect(await contentTypeFor(HOSTILE_HTML, 'audio/mpeg')).toBe('application/octet-stream');
    expect(await contentTypeFor(HOSTILE_HTML, 'text/html')).toBe('application/octet-stream');
    expect(await contentTypeFor(HOSTILE_HTML, 'image/svg+xml')).toBe('application/octet-stream');
    // plain text formats are believed only as what they are, and never shown inline
    expect(await contentTypeFor(Buffer.from('a,b\n1,2\n'), 'text/csv; charset=utf-8')).toBe('text/csv');
    expect(await contentTypeFor(Buffer.alloc(0), 'image/png')).toBe('application/octet-stream');
  });

  it('stored rows are served only as an exact allow-listed type', () => {
    expect(servableType('image/png')).toBe('image/png');
    expect(servableType('audio/mpeg; x=1, text/html')).toBe('application/octet-stream');
    expect(servableType('text/html')).toBe('application/octet-stream');
    expect(servableType('image/svg+xml')).toBe('application/octet-stream');
  });
});

describe('file names', () => {
  it('lose path parts, control and bidi characters, keep Persian letters and the ZWNJ', () => {
    expect(sanitiseFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFilename('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(sanitiseFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitiseFilename('a\u0000b\r\n\tc.txt')).toBe('abc.txt');
    expect(sanitiseFilename('گزارش\u200Cها.pdf')).toBe('گزارش\u200Cها.pdf');
    expect(sanitiseFilename('what?<>|*.txt')).toBe('what_____.txt');
    expect(sanitiseFilename('.htaccess')).toBe('htaccess');
    expect(sanitiseFilename('...')).toBe('attachment');
    expect(sanitiseFilename('x\ud800y.png')).toBe('x\uFFFDy.png');
  });

  it('are cut to 200 characters keeping the extension', () => {
    const n = sanitiseFilename(`${'ب'.repeat(300)}.docx`);
    expect([...n].length).toBe(200);
    expect(n.endsWith('.docx')).toBe(true);
  });

  it('go out as RFC 6266/5987: an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('attachment', 'گزارش ماه.pdf')).toBe(`attachment; filename="attachment.pdf"; filename*=UTF-8''${encodeURIComponent('گزارش ماه.pdf')}`);
    expect(contentDisposition('inline', "it's (final)*.png")).toBe(`inline; filename="it's (final)_.png"; filename*=UTF-8''it%27s%20%28final%29_.png`);
    expect(contentDisposition('attachment', 'Café "menu".pdf')).toBe(`attachment; filename="Cafe _menu_.pdf"; filename*=UTF-8''Caf%C3%A9%20_menu_.pdf`);
  });
});

describe('base64 uploads', () => {
  it('are refused over the cap with the file name and the limit', () => {
    expect(() => decodeBase64Attachments([{ filename: 'a.bin', contentBase64: Buffer.alloc(11).toString('base64') }], 10)).toThrow('attachment "a.bin" is 11 bytes; the limit is 10 bytes');
    expect(() => decodeBase64Attachments([{ filename: 'a.bin', contentBase64: '!!' }], 10)).toThrow(/not base64/);
    expect(decodeBase64Attachments([{ filename: 'a.bin', contentBase64: Buffer.alloc(10).toString('base64') }], 10)[0]!.content.length).toBe(10);
  });
});
