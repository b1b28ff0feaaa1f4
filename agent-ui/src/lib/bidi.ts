/**
 * Isolates a left-to-right run (phone number, email address, visitor id) inside text of either direction, so a
 * Persian sentence shows "+1 415 555 0142" with its "+" in front, not at the far end. Uses Unicode's LEFT-TO-RIGHT
 * ISOLATE … POP DIRECTIONAL ISOLATE, which works inside attributes, toasts and plain text where no element can be used.
 */
export function ltr(s: string): string {
  return `\u2066${s}\u2069`;
}
