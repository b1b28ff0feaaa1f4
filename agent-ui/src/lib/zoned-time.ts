// Calendar days in a named time zone (the organisation's), for report windows: a report "from 3 March to
// 5 March" means the organisation's days, whatever zone the supervisor's browser is in.

/** Milliseconds `tz` is ahead of UTC at instant `at`. */
function offsetMs(at: number, tz: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant day `ymd` (YYYY-MM-DD) starts in `tz`; `addDays` moves by calendar days first. */
export function startOfZonedDay(ymd: string, tz: string, addDays = 0): Date {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d + addDays);
  // twice: the offset at the first guess may differ from the offset at the answer around a DST change
  const first = wall - offsetMs(wall, tz);
  return new Date(wall - offsetMs(first, tz));
}

/** Today's date (YYYY-MM-DD) in `tz`, moved by `addDays`. */
export function zonedYmd(tz: string, addDays = 0, now = new Date()): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  if (!addDays) return today;
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + addDays)).toISOString().slice(0, 10);
}
