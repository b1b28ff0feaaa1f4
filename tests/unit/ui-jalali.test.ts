import { describe, expect, it } from 'vitest';
import { formatJalali, fromJalali, parseJalali } from '../../agent-ui/src/lib/jalali.js';

describe('Persian calendar dates in the admin console', () => {
  it('turns Persian dates into the Gregorian ones the server stores, and back', () => {
    expect(parseJalali('1406/01/01')).toBe('2027-03-21'); // Nowruz 1406
    expect(parseJalali('۱۴۰۷/۰۱/۰۱')).toBe('2028-03-20'); // Persian digits; 1407 starts a day earlier
    expect(parseJalali('1405/12/29')).toBe('2027-03-20');
    expect(formatJalali('2027-03-21')).toBe('1406/01/01');
    expect(formatJalali('2026-11-30')).toBe('1405/09/09');
  });
  it('refuses days that do not exist', () => {
    expect(fromJalali(1406, 7, 31)).toBeNull(); // Mehr has 30 days
    expect(parseJalali('1406/13/01')).toBeNull();
    expect(parseJalali('not a date')).toBeNull();
  });
});
