import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { PG_ADMIN_URL } from '../helpers/env.js';
import { createPool } from '../../server/src/db/pool.js';

// The hub's connections do not JIT-compile statements (db/pool.ts): compiling a statement whose estimated cost
// passed the threshold made the SLA batch's read take 31–85 ms instead of 6.6–9, with its cases locked meanwhile.
const BIG = `SELECT sum(a * b) FROM generate_series(1, 1000) a, generate_series(1, 1000) b`;
const withOptions = (options: string) => {
  const u = new URL(PG_ADMIN_URL);
  u.searchParams.set('options', options);
  return u.toString();
};
async function jitFunctions(q: pg.Pool | pg.Client): Promise<number> {
  const r = await q.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${BIG}`);
  return (r.rows[0]['QUERY PLAN'][0].JIT?.Functions as number | undefined) ?? 0;
}

describe("the hub's database connections", () => {
  it('never JIT-compile, even a statement far above the cost threshold, where a plain connection does', async () => {
    const plain = new pg.Client({ connectionString: withOptions('-c jit_above_cost=0') });
    await plain.connect();
    try {
      const available = (await plain.query(`SELECT pg_jit_available() AS ok`)).rows[0].ok as boolean;
      // without LLVM in the server nothing is ever compiled: the comparison below would prove nothing
      if (available) expect(await jitFunctions(plain)).toBeGreaterThan(0);
    } finally {
      await plain.end();
    }
    const pool = createPool(withOptions('-c jit_above_cost=0'), 1);
    try {
      expect(await jitFunctions(pool)).toBe(0);
      // the connection string's own options still apply
      expect((await pool.query(`SHOW jit_above_cost`)).rows[0].jit_above_cost).toBe('0');
    } finally {
      await pool.end();
    }
  });

  it("keep an operator's options from the connection string, which can turn JIT back on", async () => {
    const pool = createPool(withOptions('-c statement_timeout=4321 -c jit=on'), 1);
    try {
      const r = await pool.query(`SELECT current_setting('statement_timeout') AS t, current_setting('jit') AS jit`);
      expect(r.rows[0]).toEqual({ t: '4321ms', jit: 'on' });
    } finally {
      await pool.end();
    }
    const plain = createPool(PG_ADMIN_URL, 1);
    try {
      expect((await plain.query(`SHOW jit`)).rows[0].jit).toBe('off');
    } finally {
      await plain.end();
    }
  });
});
