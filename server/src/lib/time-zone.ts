/** Whether the runtime knows this IANA time zone (what opening hours, numbers and the organisation are set in). */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
