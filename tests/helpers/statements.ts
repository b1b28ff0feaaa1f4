import pg from 'pg';

export interface SeenStatement {
  /** the connection that sent it */
  client: unknown;
  /** its text, whitespace collapsed */
  text: string;
  values: unknown[];
}

/** Every statement any pg client of this process sends while `fn` runs (what a change costs in round trips). */
export async function statementsDuring(fn: () => Promise<unknown>): Promise<SeenStatement[]> {
  const seen: SeenStatement[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0] as string | { text?: string; values?: unknown[] };
    const text = (typeof q === 'string' ? q : (q?.text ?? '')).replace(/\s+/g, ' ').trim();
    const values = (Array.isArray(args[1]) ? args[1] : typeof q === 'object' && q?.values) || [];
    seen.push({ client: this, text, values });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return seen;
}
