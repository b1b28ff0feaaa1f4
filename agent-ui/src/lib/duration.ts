/** Splits a span into the two largest units, e.g. 3725 s → [{h:1},{m:2}]; used by countdowns and wait times. */
export function durationParts(ms: number): { unit: 's' | 'm' | 'h' | 'd'; n: number }[] {
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: { unit: 's' | 'm' | 'h' | 'd'; n: number }[] = [];
  if (d) parts.push({ unit: 'd', n: d });
  if (h) parts.push({ unit: 'h', n: h });
  if (m && parts.length < 2) parts.push({ unit: 'm', n: m });
  if (parts.length < 2 && !d && !h) parts.push({ unit: 's', n: s });
  return parts.slice(0, 2);
}

/** mm:ss for call lengths and short countdowns. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
