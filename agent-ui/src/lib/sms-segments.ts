// SMS length rules (3GPP TS 23.038 / 23.040): GSM-7 when every character is in the default alphabet
// (extension characters cost two septets), otherwise UCS-2 — which Persian text always needs.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '\f^{}\\[~]|€';

const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsCount {
  encoding: SmsEncoding;
  /** characters as the user sees them (code points) */
  characters: number;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  segments: number;
  /** units per segment for this message (single vs concatenated) */
  perSegment: number;
  /** units left before another segment is needed */
  remaining: number;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extended.has(ch)) return false;
  return true;
}

/**
 * Counts characters and segments. Concatenated messages lose room to the UDH (153 septets / 67 units
 * per part), and a part never splits an escape sequence or a surrogate pair, so parts are packed greedily.
 */
export function smsSegments(text: string): SmsCount {
  const chars = [...text];
  const gsm = isGsm7(text);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const cost = (ch: string) => (gsm ? (extended.has(ch) ? 2 : 1) : ch.length);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  const units = chars.reduce((n, ch) => n + cost(ch), 0);
  if (units === 0) return { encoding, characters: 0, units: 0, segments: 0, perSegment: single, remaining: single };
  if (units <= single) return { encoding, characters: chars.length, units, segments: 1, perSegment: single, remaining: single - units };
  let segments = 1;
  let used = 0;
  for (const ch of chars) {
    const c = cost(ch);
    if (used + c > multi) {
      segments++;
      used = 0;
    }
    used += c;
  }
  return { encoding, characters: chars.length, units, segments, perSegment: multi, remaining: multi - used };
}
