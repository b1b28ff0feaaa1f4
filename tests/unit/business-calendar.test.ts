import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessMinutesBetween, isHoliday, isOpenAt, scheduleProblems, type BusinessCalendar } from '../../server/src/business-hours/calendar.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);

const weekdays = (shifts: [string, string][]): BusinessCalendar['weekly'] => ({ mon: shifts, tue: shifts, wed: shifts, thu: shifts, fri: shifts });

describe('business-time arithmetic', () => {
  it('skips the lunch break of a split shift and the night', () => {
    const cal: BusinessCalendar = { timeZone: 'UTC', weekly: weekdays([['09:00', '12:00'], ['13:00', '17:00']]) };
    // Monday 2027-03-01 11:00 + 2 h: one hour before lunch, one after
    expect(iso(addBusinessMinutes(cal, at('2027-03-01T11:00:00Z'), 120))).toBe('2027-03-01T14:00:00.000Z');
    // 16:30 + 1 h: half an hour today, the rest on Tuesday morning
    expect(iso(addBusinessMinutes(cal, at('2027-03-01T16:30:00Z'), 60))).toBe('2027-03-02T09:30:00.000Z');
    // a message at night starts counting at opening time
    expect(iso(addBusinessMinutes(cal, at('2027-03-01T23:00:00Z'), 30))).toBe('2027-03-02T09:30:00.000Z');
    expect(businessMinutesBetween(cal, at('2027-03-01T11:00:00Z'), at('2027-03-01T14:00:00Z'))).toBe(120);
    expect(isOpenAt(cal, at('2027-03-01T12:30:00Z'))).toBe(false);
    expect(isOpenAt(cal, at('2027-03-01T13:00:00Z'))).toBe(true);
  });

  it('runs a shift past midnight into the next day', () => {
    // Friday night shift 22:00–02:00, nothing else
    const cal: BusinessCalendar = { timeZone: 'UTC', weekly: { fri: [['22:00', '02:00']] } };
    // Friday 2027-03-05 23:00 + 2 h → Saturday 01:00
    expect(iso(addBusinessMinutes(cal, at('2027-03-05T23:00:00Z'), 120))).toBe('2027-03-06T01:00:00.000Z');
    // already Saturday 00:30, still Friday's shift
    expect(isOpenAt(cal, at('2027-03-06T00:30:00Z'))).toBe(true);
    expect(iso(addBusinessMinutes(cal, at('2027-03-06T00:30:00Z'), 60))).toBe('2027-03-06T01:30:00.000Z');
    // Saturday 01:30 + 1 h: 30 min left tonight, the rest next Friday 22:00
    expect(iso(addBusinessMinutes(cal, at('2027-03-06T01:30:00Z'), 60))).toBe('2027-03-12T22:30:00.000Z');
    expect(businessMinutesBetween(cal, at('2027-03-05T00:00:00Z'), at('2027-03-07T00:00:00Z'))).toBe(240);
  });

  it('closes on holidays: one-off dates, ranges and yearly ones (Gregorian and Persian)', () => {
    const base: BusinessCalendar = { timeZone: 'UTC', weekly: weekdays([['09:00', '17:00']]) };
    // Tuesday 2027-03-02 is a one-off holiday: Monday 16:00 + 2 h → Wednesday 10:00
    const oneOff = { ...base, holidays: [{ date: '2027-03-02', name: 'closed' }] };
    expect(iso(addBusinessMinutes(oneOff, at('2027-03-01T16:00:00Z'), 120))).toBe('2027-03-03T10:00:00.000Z');
    // a range Tuesday–Thursday
    const range = { ...base, holidays: [{ date: '2027-03-02', to: '2027-03-04' }] };
    expect(iso(addBusinessMinutes(range, at('2027-03-01T16:00:00Z'), 120))).toBe('2027-03-05T10:00:00.000Z');
    // a yearly Gregorian date entered for an earlier year
    const yearly = { ...base, holidays: [{ date: '2020-03-02', yearly: true }] };
    expect(isHoliday(yearly.holidays, 2027, 3, 2)).toBe(true);
    expect(iso(addBusinessMinutes(yearly, at('2027-03-01T16:00:00Z'), 120))).toBe('2027-03-03T10:00:00.000Z');
    // Nowruz (1 Farvardin) entered once recurs on the Persian date: 2027-03-21 and, in 2028, 2028-03-20
    const nowruz = [{ date: '2027-03-21', to: '2027-03-24', yearly: true, calendar: 'persian' as const, name: 'Nowruz' }];
    expect(isHoliday(nowruz, 2027, 3, 21)).toBe(true);
    expect(isHoliday(nowruz, 2028, 3, 20)).toBe(true);
    expect(isHoliday(nowruz, 2028, 3, 23)).toBe(true);
    expect(isHoliday(nowruz, 2028, 3, 24)).toBe(false);
    expect(isHoliday(nowruz, 2028, 3, 19)).toBe(false);
  });

  it('counts the Iranian week in Asia/Tehran (+03:30, no DST)', () => {
    const tehran: BusinessCalendar = {
      timeZone: 'Asia/Tehran',
      weekly: { sat: [['08:00', '16:00']], sun: [['08:00', '16:00']], mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '12:00']] },
    };
    // Wednesday 2027-03-03 15:00 Tehran (11:30Z) + 2 h: an hour on Wednesday, Thursday 08:00–09:00
    expect(iso(addBusinessMinutes(tehran, at('2027-03-03T11:30:00Z'), 120))).toBe('2027-03-04T05:30:00.000Z');
    // Thursday 11:00 + 3 h: one hour Thursday, Friday closed, Saturday 08:00–10:00 (06:30Z)
    expect(iso(addBusinessMinutes(tehran, at('2027-03-04T07:30:00Z'), 180))).toBe('2027-03-06T06:30:00.000Z');
    // summer: still +03:30 (Iran stopped DST in 2022)
    expect(iso(addBusinessMinutes(tehran, at('2027-07-03T04:30:00Z'), 0))).toBe('2027-07-03T04:30:00.000Z');
  });

  it('follows a DST change (Europe/Berlin, 2027-03-28)', () => {
    const berlin: BusinessCalendar = { timeZone: 'Europe/Berlin', weekly: weekdays([['09:00', '17:00']]) };
    // Friday 2027-03-26 16:00 CET (15:00Z) + 2 h → Monday 10:00 CEST (08:00Z)
    expect(iso(addBusinessMinutes(berlin, at('2027-03-26T15:00:00Z'), 120))).toBe('2027-03-29T08:00:00.000Z');
    expect(businessMinutesBetween(berlin, at('2027-03-26T15:00:00Z'), at('2027-03-29T08:00:00Z'))).toBe(120);
    // a night shift Saturday 22:00–04:00 loses the hour the clocks skip
    const night: BusinessCalendar = { timeZone: 'Europe/Berlin', weekly: { sat: [['22:00', '04:00']] } };
    expect(businessMinutesBetween(night, at('2027-03-27T00:00:00Z'), at('2027-03-29T00:00:00Z'))).toBe(300);
    // and in autumn (2027-10-31) gains one
    expect(businessMinutesBetween(night, at('2027-10-30T00:00:00Z'), at('2027-11-01T00:00:00Z'))).toBe(420);
  });

  it('does not count paused time', () => {
    // 24/7 (no calendar): 10:00 + 60 min with a pause 10:30–11:00 → 11:30
    expect(iso(addBusinessMinutes(null, at('2027-03-01T10:00:00Z'), 60, [{ from: at('2027-03-01T10:30:00Z'), to: at('2027-03-01T11:00:00Z') }]))).toBe('2027-03-01T11:30:00.000Z');
    // a pause still running: no due time yet, and the elapsed time stops at the pause
    expect(addBusinessMinutes(null, at('2027-03-01T10:00:00Z'), 60, [{ from: at('2027-03-01T10:30:00Z'), to: null }])).toBeNull();
    expect(businessMinutesBetween(null, at('2027-03-01T10:00:00Z'), at('2027-03-01T12:00:00Z'), [{ from: at('2027-03-01T10:30:00Z'), to: null }])).toBe(30);
    // in business time: a pause over the lunch break and into the afternoon only costs its open part
    const cal: BusinessCalendar = { timeZone: 'UTC', weekly: weekdays([['09:00', '12:00'], ['13:00', '17:00']]) };
    const pauses = [{ from: at('2027-03-01T11:30:00Z'), to: at('2027-03-01T13:30:00Z') }];
    expect(iso(addBusinessMinutes(cal, at('2027-03-01T11:00:00Z'), 60, pauses))).toBe('2027-03-01T14:00:00.000Z');
    expect(businessMinutesBetween(cal, at('2027-03-01T09:00:00Z'), at('2027-03-01T17:00:00Z'), pauses)).toBe(6 * 60);
  });

  it('gives no due time on a calendar that is never open', () => {
    expect(addBusinessMinutes({ timeZone: 'UTC', weekly: {} }, at('2027-03-01T10:00:00Z'), 10)).toBeNull();
  });

  it('finds overlapping shifts, including a night shift running into the next morning', () => {
    expect(scheduleProblems({ mon: [['09:00', '12:00'], ['11:00', '14:00']] })).toHaveLength(1);
    expect(scheduleProblems({ fri: [['22:00', '02:00']], sat: [['01:00', '05:00']] })).toHaveLength(1);
    expect(scheduleProblems({ fri: [['22:00', '02:00']], sat: [['08:00', '12:00']] })).toEqual([]);
  });
});
