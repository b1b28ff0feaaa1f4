/** Small but genuine files: the attachment policy sniffs bytes, so tests need real signatures. */
export const PNG_1x1 = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0c1b6d90000000049454e44ae426082',
  'hex',
);
export const JPEG_TINY = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
export const PDF_TINY = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
/** An HTML page that, if a browser ever rendered it on the hub's origin, would show itself. */
export const HOSTILE_HTML = Buffer.from(
  '<html><body><script>try { localStorage.setItem("pwned", "1") } catch (e) {} document.title = "pwned"; alert("xss")</script><h1 id="pwned">pwned</h1></body></html>',
);

/** `bytes` of silence as 8 kHz mono 16-bit WAV (16 bytes a millisecond): what an admin uploads as a recorded prompt. */
export function silentWav(bytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + bytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(bytes, 40);
  return Buffer.concat([h, Buffer.alloc(bytes)]);
}
