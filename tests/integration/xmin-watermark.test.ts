import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PG_ADMIN_URL } from '../helpers/env.js';
import { SNAPSHOT_XMIN, writtenSince } from '../../server/src/db/xmin-watermark.js';

// The router's matching state and the wallboard read only the rows written since their last read
// (db/xmin-watermark.ts). What that read must and must not find, against a real Postgres.
const table = `xmin_probe_${process.pid}_${Date.now()}`;
const a = new pg.Client({ connectionString: PG_ADMIN_URL });
const b = new pg.Client({ connectionString: PG_ADMIN_URL });

beforeAll(async () => {
  await Promise.all([a.connect(), b.connect()]);
  await a.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)`);
});
afterAll(async () => {
  await a.query(`DROP TABLE IF EXISTS ${table}`);
  await Promise.all([a.end(), b.end()]);
});

const watermark = async () => Number((await a.query(`SELECT ${SNAPSHOT_XMIN} AS x`)).rows[0].x);
/**
 * A watermark read once every transaction up to `xid` has ended. The snapshot xmin is the oldest transaction
 * still running in the whole cluster, so while another test file's transaction older than `xid` runs, a read
 * also finds rows older than what it is asked about (more work for the router, never a row missed); the
 * exclusions below are asserted for a read that no such transaction precedes.
 */
async function watermarkAfter(xid: number): Promise<number> {
  for (const until = Date.now() + 30_000; ; ) {
    const w = await watermark();
    if (w > xid) return w;
    if (Date.now() > until) throw new Error(`the cluster's oldest running transaction stayed at or before ${xid} for 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** The id of the transaction that wrote the rows a statement returned (`RETURNING xmin`). */
const writer = (r: pg.QueryResult) => Math.max(...r.rows.map((x) => Number(x.xmin)));
const since = async (w: number) =>
  (await a.query(`SELECT id FROM ${table} t WHERE ${writtenSince('t', '$1')} ORDER BY id`, [w])).rows.map((r) => r.id as number);

describe('rows written since a watermark', () => {
  it('finds rows inserted or updated after the read, and one committed later by a transaction open during it; not older ones', async () => {
    const first = await a.query(`INSERT INTO ${table} (id) VALUES (1), (2) RETURNING xmin::text`);
    const w1 = await watermarkAfter(writer(first));
    expect(await since(w1)).toEqual([]);

    await a.query(`INSERT INTO ${table} (id) VALUES (3)`);
    const update = await a.query(`UPDATE ${table} SET v = 1 WHERE id = 1 RETURNING xmin::text`);
    expect(await since(w1)).toEqual([1, 3]);

    // a writer still open when the watermark is read: its row, invisible then, is found once committed
    // (while it is open, no watermark passes it)
    await b.query('BEGIN');
    await b.query(`INSERT INTO ${table} (id) VALUES (4)`);
    const w2 = await watermarkAfter(writer(update));
    await b.query('COMMIT');
    expect(await since(w2)).toEqual([4]);
    expect(await since(w1)).toEqual([1, 3, 4]);
    // a vacuum freezing the rows keeps their ids: nothing reads as new
    await a.query(`VACUUM (FREEZE) ${table}`);
    expect(await since(w2)).toEqual([4]);
  });
});
