import { describe, expect, it } from 'vitest';
import { isGsm7, smsSegments } from '../../agent-ui/src/lib/sms-segments';

describe('SMS character and segment count', () => {
  it('is empty for no text', () => {
    expect(smsSegments('')).toMatchObject({ segments: 0, characters: 0, encoding: 'GSM-7', remaining: 160 });
  });

  it('fits 160 GSM-7 characters in one segment and needs two for 161 (153 per part)', () => {
    expect(smsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1, remaining: 0 });
    expect(smsSegments('a'.repeat(161))).toMatchObject({ segments: 2, perSegment: 153, remaining: 153 * 2 - 161 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts GSM-7 extension characters (€ [ ] { } ^ ~ | \\) as two septets', () => {
    const r = smsSegments('€'.repeat(80));
    expect(r).toMatchObject({ encoding: 'GSM-7', characters: 80, units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81)).segments).toBe(2);
    // an escape pair never splits across parts: 306 septets would fit two parts, but the € after
    // 152 characters does not fit in part one's last septet and pushes the rest into a third part
    expect(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
    expect(smsSegments('a'.repeat(153) + '€' + 'a'.repeat(151))).toMatchObject({ units: 306, segments: 2 });
  });

  it('switches to UCS-2 for Persian: 70 characters per single SMS, 67 per part', () => {
    const fa = 'سلام، سفارش شما ارسال شد';
    expect(isGsm7(fa)).toBe(false);
    expect(smsSegments(fa)).toMatchObject({ encoding: 'UCS-2', characters: [...fa].length, segments: 1 });
    expect(smsSegments('س'.repeat(70))).toMatchObject({ segments: 1, remaining: 0 });
    expect(smsSegments('س'.repeat(71))).toMatchObject({ segments: 2, perSegment: 67 });
    expect(smsSegments('س'.repeat(134)).segments).toBe(2);
    expect(smsSegments('س'.repeat(135)).segments).toBe(3);
  });

  it('one non-GSM character makes the whole message UCS-2', () => {
    const text = 'a'.repeat(100) + 'č';
    expect(smsSegments(text)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    // but the GSM-7 accented letters stay GSM-7
    expect(smsSegments('Café Ñoño è à ù ü').encoding).toBe('GSM-7');
    expect(smsSegments('Ñandú').encoding).toBe('UCS-2');
  });

  it('counts an emoji as two UCS-2 units and never splits it', () => {
    expect(smsSegments('😀')).toMatchObject({ encoding: 'UCS-2', characters: 1, units: 2 });
    expect(smsSegments('😀'.repeat(35)).segments).toBe(1);
    expect(smsSegments('😀'.repeat(36)).segments).toBe(2);
    // 33 emoji = 66 units; the 34th (2 units) would make 68 > 67, so it starts part two
    expect(smsSegments('😀'.repeat(33) + 'a' + '😀'.repeat(10)).segments).toBe(2);
  });
});
