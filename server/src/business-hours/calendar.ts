/**
 * Business-time arithmetic on a calendar: a time zone, a weekly schedule (several shifts a day; a shift
 * whose close is not after its open runs past midnight into the next day) and holidays (one date or a
 * range, one-off or every year, the yearly ones in the Gregorian or the Persian calendar). Pure: no
 * database, no clock; time zones through Intl (Node's full ICU), so Asia/Tehran and DST zones are
 * whatever the tz database says.
 *
 * A calendar of `null` is always open: business time is calendar time.
 */

export const CAL_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type CalDay = (typeof CAL_DAYS)[number];

export interface Holiday {
  /** YYYY-MM-DD (Gregorian, local to the calendar's time zone): the first closed day */
  date: string;
  /** YYYY-MM-DD: the last closed day of a range (inclusive); absent: one day */
  to?: string;
  /** true: the same day(s) every year, by `calendar` */
  yearly?: boolean;
  /** how a yearly holiday recurs: on the same Gregorian or Persian (Solar Hijri) month and day */
  calendar?: 'gregory' | 'persian';
  name?: string;
}

export interface BusinessCalendar {
  timeZone: string;
  /** day → shifts as [open, close] "HH:MM" local time; close <= open: the shift ends the next day */
  weekly: Partial<Record<CalDay, [string, string][]>>;
  holidays?: Holiday[];
}

/** A stretch of time the clock does not run (e.g. pending on the customer); `to` null: still paused. */
export interface Pause {
  from: Date;
  to: Date | null;
}

type Interval = [number, number];

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead a due time is searched before a calendar counts as never open. */
const HORIZON_DAYS = 800;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, calendar: 'gregory' | 'persian' = 'gregory'): Intl.DateTimeFormat {
  const key = `${timeZone}|${calendar}`;
  let f = partsFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US-u-nu-latn', {
      timeZone,
      calendar,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partsFormatters.set(key, f);
  }
  return f;
}

function localParts(t: number, timeZone: string, calendar: 'gregory' | 'persian' = 'gregory') {
  const p: Record<string, string> = {};
  for (const x of formatter(timeZone, calendar).formatToParts(t)) p[x.type] = x.value;
  return { y: Number(p.year!.replace(/\D.*$/, '')), m: Number(p.month), d: Number(p.day), h: Number(p.hour) % 24, mi: Number(p.minute), s: Number(p.second) };
}

/** The zone's offset from UTC at instant t, in ms (Tehran +3:30 → 12,600,000). */
export function zoneOffset(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  return asUtc - (t - (t % 1000));
}

/**
 * The instant of a local wall-clock time. A time that does not exist (a DST gap) is taken forward by the
 * gap, like a clock that was moved; an ambiguous one (the repeated hour) is the earlier instant.
 */
export function localToInstant(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d) + minutes * MINUTE;
  const before = wall - zoneOffset(wall - 12 * 3_600_000, timeZone);
  const after = wall - zoneOffset(wall + 12 * 3_600_000, timeZone);
  const valid = [before, after].filter((t) => zoneOffset(t, timeZone) === wall - t);
  if (valid.length) return Math.min(...valid);
  return before; // in the gap: the offset before it, i.e. moved forward by the gap
}

const toMin = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};
const ymd = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

function persianMonthDay(y: number, m: number, d: number): string {
  // noon UTC of that Gregorian day is the same date in the Persian calendar
  const p = localParts(Date.UTC(y, m - 1, d, 12), 'UTC', 'persian');
  return `${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** Whether a local (Gregorian) date is a holiday of the calendar. */
export function isHoliday(holidays: Holiday[] | undefined, y: number, m: number, d: number): boolean {
  if (!holidays?.length) return false;
  const date = ymd(y, m, d);
  for (const h of holidays) {
    const to = h.to && h.to >= h.date ? h.to : h.date;
    if (!h.yearly) {
      if (date >= h.date && date <= to) return true;
      continue;
    }
    if (h.calendar === 'persian') {
      const [fy, fm, fd] = h.date.split('-').map(Number) as [number, number, number];
      const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
      const from = persianMonthDay(fy, fm, fd);
      const until = persianMonthDay(ty, tm, td);
      const md = persianMonthDay(y, m, d);
      if (from <= until ? md >= from && md <= until : md >= from || md <= until) return true;
    } else {
      const from = h.date.slice(5);
      const until = to.slice(5);
      const md = date.slice(5);
      if (from <= until ? md >= from && md <= until : md >= from || md <= until) return true;
    }
  }
  return false;
}

/** Open intervals (epoch ms) of the local day y-m-d, shifts past midnight included, none on a holiday. */
function dayIntervals(cal: BusinessCalendar, y: number, m: number, d: number): Interval[] {
  if (isHoliday(cal.holidays, y, m, d)) return [];
  const weekday = CAL_DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
  const out: Interval[] = [];
  for (const [open, close] of cal.weekly[weekday] ?? []) {
    const o = toMin(open);
    let c = toMin(close);
    if (c <= o) c += 24 * 60; // past midnight: ends on the next day
    const start = localToInstant(y, m, d, o, cal.timeZone);
    const end = c > 24 * 60 ? localToInstant(y, m, d + 1, c - 24 * 60, cal.timeZone) : localToInstant(y, m, d, c, cal.timeZone);
    if (end > start) out.push([start, end]);
  }
  return out;
}

/**
 * The calendar's open time from `from` on, in order, merged, as intervals, lazily; from the local day
 * before `from` so that a shift running past midnight into it is counted.
 */
function* openIntervals(cal: BusinessCalendar, from: number): Generator<Interval> {
  const p = localParts(from, cal.timeZone);
  const base = Date.UTC(p.y, p.m - 1, p.d);
  let pending: Interval | null = null;
  for (let i = -1; i < HORIZON_DAYS; i++) {
    const day = new Date(base + i * DAY);
    const ivs = dayIntervals(cal, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()).sort((a, b) => a[0] - b[0]);
    for (const [s0, e] of ivs) {
      const s = Math.max(s0, from);
      if (e <= s) continue;
      if (pending && s <= pending[1]) pending[1] = Math.max(pending[1], e);
      else {
        if (pending) yield pending;
        pending = [s, e];
      }
    }
  }
  if (pending) yield pending;
}

/** Removes the pauses from an interval: what is left of it, in order. */
function withoutPauses([s, e]: Interval, pauses: Interval[]): Interval[] {
  let parts: Interval[] = [[s, e]];
  for (const [ps, pe] of pauses) {
    if (pe <= s || ps >= e) continue;
    parts = parts.flatMap(([a, b]): Interval[] => {
      if (pe <= a || ps >= b) return [[a, b]];
      const r: Interval[] = [];
      if (ps > a) r.push([a, ps]);
      if (pe < b) r.push([pe, b]);
      return r;
    });
  }
  return parts;
}

const pauseIntervals = (pauses: Pause[] | undefined): Interval[] =>
  (pauses ?? []).map((p) => [p.from.getTime(), p.to ? p.to.getTime() : Number.POSITIVE_INFINITY] as Interval).filter(([a, b]) => b > a);

/** Intervals of a 24/7 clock from `from` on (one, endless), minus pauses. */
function* alwaysOpen(from: number): Generator<Interval> {
  yield [from, Number.POSITIVE_INFINITY];
}

/**
 * The instant `minutes` of open (business) time after `start`, not counting paused time. Null when the
 * calendar has no open time in the next two years, or a pause never ends before the target is reached.
 */
export function addBusinessMinutes(cal: BusinessCalendar | null, start: Date, minutes: number, pauses?: Pause[]): Date | null {
  let left = minutes * MINUTE;
  const ps = pauseIntervals(pauses);
  const from = start.getTime();
  if (left <= 0) {
    // zero: the first open instant at or after start
    for (const iv of cal ? openIntervals(cal, from) : alwaysOpen(from)) {
      const part = withoutPauses(iv, ps)[0];
      if (part) return new Date(part[0]);
    }
    return null;
  }
  for (const iv of cal ? openIntervals(cal, from) : alwaysOpen(from)) {
    for (const [a, b] of withoutPauses(iv, ps)) {
      if (b - a >= left) return new Date(a + left);
      left -= b - a;
    }
  }
  return null;
}

/** Open (business) minutes between two instants, paused time not counted; 0 when `to` is not after `from`. */
export function businessMinutesBetween(cal: BusinessCalendar | null, from: Date, to: Date, pauses?: Pause[]): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  const ps = pauseIntervals(pauses);
  let total = 0;
  for (const iv of cal ? openIntervals(cal, a) : alwaysOpen(a)) {
    if (iv[0] >= b) break;
    for (const [s, e] of withoutPauses([iv[0], Math.min(iv[1], b)], ps)) total += e - s;
    if (iv[1] >= b) break;
  }
  return total / MINUTE;
}

/** Whether the calendar is open at the instant (holidays and past-midnight shifts included). */
export function isOpenAt(cal: BusinessCalendar | null, at: Date): boolean {
  if (!cal) return true;
  const t = at.getTime();
  for (const [s] of openIntervals(cal, t)) return s <= t;
  return false;
}

/** Problems with a weekly schedule: overlapping shifts of one day (a past-midnight shift may not overlap the next day's first). */
export function scheduleProblems(weekly: BusinessCalendar['weekly']): { field: string; reason: string }[] {
  const problems: { field: string; reason: string }[] = [];
  for (const [day, shifts] of Object.entries(weekly) as [CalDay, [string, string][] | undefined][]) {
    const spans = (shifts ?? []).map(([o, c]) => [toMin(o), toMin(c) <= toMin(o) ? toMin(c) + 1440 : toMin(c), o, c] as const).sort((x, y) => x[0] - y[0]);
    spans.forEach(([o, c, os, cs], i) => {
      if (o === c) problems.push({ field: `weekly.${day}`, reason: `${os}–${cs} is empty` });
      const prev = spans[i - 1];
      if (prev && prev[1] > o) problems.push({ field: `weekly.${day}`, reason: `${prev[2]}–${prev[3]} overlaps ${os}–${cs}` });
    });
    const last = spans[spans.length - 1];
    if (last && last[1] > 1440) {
      const next = CAL_DAYS[(CAL_DAYS.indexOf(day) + 1) % 7]!;
      const first = (weekly[next] ?? []).map(([o]) => toMin(o)).sort((x, y) => x - y)[0];
      if (first !== undefined && first < last[1] - 1440) problems.push({ field: `weekly.${day}`, reason: `${last[2]}–${last[3]} runs into ${next}'s first shift` });
    }
  }
  return problems;
}
