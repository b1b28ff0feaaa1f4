/**
 * CSV as RFC 4180 writes it: comma-separated, CRLF line ends, a field quoted (inner quotes doubled) when it
 * holds a comma, a quote or a line break. Text a spreadsheet would run as a formula (a leading =, +, -, @,
 * tab or carriage return: a customer can choose a subject) gets a leading apostrophe (OWASP "CSV injection").
 * Numbers and booleans are written as they are. No dependency: the whole format is the two rules above.
 */
export type CsvValue = string | number | boolean | null | undefined | string[];

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = Array.isArray(v) ? v.join(' ') : v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (values: CsvValue[]): string => `${values.map(csvField).join(',')}\r\n`;

/**
 * A whole table: a header line of `columns` and one line per row. The byte-order mark lets spreadsheet
 * programs read the file as UTF-8 (Persian names and subjects).
 */
export function csvTable<T>(columns: { header: string; value: (row: T) => CsvValue }[], rows: Iterable<T>): string {
  let out = `\uFEFF${csvLine(columns.map((c) => c.header))}`;
  for (const r of rows) out += csvLine(columns.map((c) => c.value(r)));
  return out;
}

/** The same, streamed: the header first, then each row as it arrives. */
export async function* csvStream<T>(columns: { header: string; value: (row: T) => CsvValue }[], rows: AsyncIterable<T>): AsyncGenerator<string> {
  yield `\uFEFF${csvLine(columns.map((c) => c.header))}`;
  for await (const r of rows) yield csvLine(columns.map((c) => c.value(r)));
}
