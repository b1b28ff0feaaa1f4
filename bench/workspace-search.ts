// Workspace search latency: one box for customers (name / phone / email fragments) and cases
// (number / subject / message words). Target: under 300 ms; prints p50/p95 per query and the
// ratio of the worst p95 to that target. Usage: npx tsx bench/workspace-search.ts [customers]
import { performance } from 'node:perf_hooks';
import { createPool } from '../server/src/db/pool.js';
import { searchWorkspace } from '../server/src/search/workspace-search.js';
import { indexSearchFully } from '../server/src/search/search-indexer.js';
import { benchDatabase, percentile } from './lib.js';

const CUSTOMERS = Number(process.argv[2] ?? 20_000);
const TARGET_MS = 300;

async function main() {
  const db = await benchDatabase();
  const pool = createPool(db.url, 4);
  try {
    // customers with a phone and an email each, two cases and three messages per customer
    await pool.query(
      `INSERT INTO customers (name, tier)
       SELECT (ARRAY['Maria','Tom','Lena','Sara','Omid','Kian','Nina','Parisa','Ali','Zed'])[1 + g % 10] || ' ' ||
              (ARRAY['Garcia','Becker','Okafor','Ahmadi','Rahimi','Smith','Novak','Tehrani','Costa','Berg'])[1 + (g / 10) % 10] || ' ' || g,
              CASE WHEN g % 50 = 0 THEN 'vip' ELSE 'standard' END
         FROM generate_series(1, $1) g`,
      [CUSTOMERS],
    );
    await pool.query(
      `INSERT INTO customer_identities (customer_id, kind, value)
       SELECT id, 'phone', '+1415' || lpad(id::text, 7, '0') FROM customers
       UNION ALL SELECT id, 'email', 'customer' || id || '@example.com' FROM customers`,
    );
    await pool.query(
      `INSERT INTO cases (customer_id, subject, channel, status)
       SELECT c.id, (ARRAY['Invoice shows the wrong amount','Router keeps rebooting','Cannot log in','Refund request','Delivery is late'])[1 + (c.id + k) % 5] || ' #' || c.id,
              (ARRAY['email','sms','chat','voice','portal'])[1 + (c.id + k) % 5], (ARRAY['open','solved','closed'])[1 + k % 3]
         FROM customers c, generate_series(0, 1) k`,
    );
    await pool.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, text, created_at)
       SELECT ca.id, ca.customer_id, ca.channel, 'inbound',
              (ARRAY['my modem light blinks red','the invoice was charged twice','password reset mail never arrived','parcel tracking shows nothing','please call me back'])[1 + (ca.id + k) % 5] || ' ref ' || ca.id,
              now() - (ca.id || ' minutes')::interval
         FROM cases ca, generate_series(0, 1) k`,
    );
    // the search side tables as the worker's indexer fills them (migration 0912)
    await indexSearchFully(pool);
    await pool.query('ANALYZE');
    const n = (await pool.query(`SELECT (SELECT count(*) FROM customers) c, (SELECT count(*) FROM cases) k, (SELECT count(*) FROM interactions) i`)).rows[0];
    console.log(`data: ${n.c} customers, ${n.k} cases, ${n.i} interactions`);

    const queries = ['rahimi', 'parisa tehrani', '0012345', 'customer777@', `${1000 + Math.floor(CUSTOMERS / 2)}`, 'rebooting', 'charged twice', 'zzz-no-match'];
    let worst = 0;
    for (const q of queries) {
      const times: number[] = [];
      for (let i = 0; i < 25; i++) {
        const t0 = performance.now();
        await searchWorkspace(pool, q);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      worst = Math.max(worst, p95);
      console.log(`search "${q}": p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
    }
    console.log(`worst p95 ${worst.toFixed(1)} ms = ${(worst / TARGET_MS).toFixed(3)} × the ${TARGET_MS} ms target`);
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
