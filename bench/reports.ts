// Reports and workspace search over a million interactions (issue 16, item 7). Seeds its own database in
// SQL (generate_series; no API), then times every report the supervisor UI calls and the workspace search,
// printing p50/p95 beside each target and, for the figures the issue measured, the same query as it was
// before (bench/baseline/, timed in the same run) and the ratio; always drops the database. Usage: npx tsx bench/reports.ts [cases=100000] [--explain] [--seed-only]
//   cases: 10 interactions and ~8 case events each (100,000 → 1 M interactions, the issue's scale)
//   --explain: print EXPLAIN (ANALYZE, BUFFERS) of every report and search statement once
//   --seed-only: seed, print the database URL and keep it (to explore plans by hand; drop it afterwards)
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import type pg from 'pg';
import { createPool } from '../server/src/db/pool.js';
import { kpiSummary, kpiTimeseries, volumeSeries } from '../server/src/kpi/historical.js';
import { occupancyByAgent } from '../server/src/kpi/occupancy.js';
import { agentReport, breakdown, drillCases, heatmap } from '../server/src/kpi/reports.js';
import { searchWorkspace } from '../server/src/search/workspace-search.js';
import { benchDatabase, percentile } from './lib.js';
import { baselineOccupancy, baselineSummary, baselineTimeseries } from './baseline/reports-kpi.js';
import { baselineSearch } from './baseline/workspace-search.js';

const CASES = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const EXPLAIN = process.argv.includes('--explain');
/** --seed-only: seed, print the database's URL and keep it (for EXPLAIN by hand; drop it yourself) */
const SEED_ONLY = process.argv.includes('--seed-only');
const AGENTS = 200;
const REPORT_TARGET_MS = 1000;
/** the issue's search words (a name, a phone fragment, an email prefix, a body word) and a few more */
const SEARCHES = ['rahimi', 'parisa tehrani', '0012345', 'customer777@', 'rebooting', 'charged twice', `#${1000 + Math.floor(CASES / 2)}`, 'zzz-no-match'];
const SEARCH_TARGET_MS = 300;
/** how many times the slow queries of before run for the baseline (BENCH_BASELINE_REPS=0: none) */
const BASELINE_REPS = Number(process.env.BENCH_BASELINE_REPS ?? 3);

async function seed(db: pg.Pool): Promise<void> {
  const customers = Math.max(10, Math.floor(CASES / 2));
  const q = (sql: string, params: unknown[] = []) => db.query(sql, params);
  await q(`SELECT setseed(0.16)`);
  await q(`INSERT INTO queues (name) SELECT 'Queue ' || g FROM generate_series(1, 5) g`);
  await q(
    `INSERT INTO agents (email, name, password_hash, presence)
     SELECT 'agent' || g || '@bench.test', 'Agent ' || lpad(g::text, 3, '0'), 'x', 'offline' FROM generate_series(1, $1) g`,
    [AGENTS],
  );
  await q(`INSERT INTO queue_members (queue_id, agent_id) SELECT q.id, a.id FROM queues q, agents a WHERE (q.id + a.id) % 2 = 0`);
  await q(
    `INSERT INTO customers (name, tier)
     SELECT (ARRAY['Maria','Tom','Lena','Sara','Omid','Kian','Nina','Parisa','Ali','Zed'])[1 + g % 10] || ' ' ||
            (ARRAY['Garcia','Becker','Okafor','Ahmadi','Rahimi','Smith','Novak','Tehrani','Costa','Berg'])[1 + (g / 10) % 10] || ' ' || g,
            CASE WHEN g % 50 = 0 THEN 'vip' ELSE 'standard' END
       FROM generate_series(1, $1) g`,
    [customers],
  );
  await q(
    `INSERT INTO customer_identities (customer_id, kind, value)
     SELECT id, 'phone', '+1415' || lpad(id::text, 7, '0') FROM customers
     UNION ALL SELECT id, 'email', 'customer' || id || '@example.com' FROM customers`,
  );
  // One row per case with everything its events and messages derive from; 30 days back from now.
  await q(
    `CREATE TEMP TABLE seed AS
     SELECT g AS id, 1 + (g % $2) AS customer_id,
            now() - make_interval(secs => random() * 30 * 86400) AS created,
            (ARRAY['voice','chat','sms','email','portal'])[1 + g % 5] AS channel,
            1 + g % 5 AS queue_n,
            1 + (g * 7) % ${AGENTS} AS agent_n,
            (random() * 120)::int AS wait_s,
            random() < 0.06 AS abandoned,
            random() < 0.85 AS solved,
            random() < 0.04 AS reopened,
            (60 + random() * 900)::int AS handle_s,
            (ARRAY['question','incident','problem','request','complaint'])[1 + (g / 5) % 5] AS type,
            CASE (g / 3) % 5 WHEN 0 THEN ARRAY['billing'] WHEN 1 THEN ARRAY['delivery'] WHEN 2 THEN ARRAY['login', 'urgent']
              WHEN 3 THEN ARRAY[]::text[] ELSE ARRAY['refund', 'billing'] END AS tags
       FROM generate_series(1, $1) g`,
    [CASES, customers],
  );
  await q(
    `INSERT INTO cases (id, customer_id, subject, type, status, channel, queue_id, tags, created_at, first_response_at, solved_at, last_activity_at, first_queued_at)
     SELECT s.id, s.customer_id,
            (ARRAY['Invoice shows the wrong amount','Router keeps rebooting','Cannot log in','Refund request','Delivery is late'])[1 + s.id % 5] || ' #' || s.id,
            s.type, CASE WHEN s.solved AND NOT s.abandoned THEN 'solved' ELSE 'open' END, s.channel,
            (SELECT id FROM queues ORDER BY id OFFSET s.queue_n - 1 LIMIT 1), s.tags, s.created,
            CASE WHEN NOT s.abandoned THEN s.created + make_interval(secs => s.wait_s + 30) END,
            CASE WHEN s.solved AND NOT s.abandoned THEN s.created + make_interval(secs => s.wait_s + s.handle_s) END,
            s.created + make_interval(secs => s.wait_s + s.handle_s), s.created
       FROM seed s`,
  );
  await q(`SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))`);
  // the rollups are rebuilt in one pass after the bulk load, as after a restore
  await q(`ALTER TABLE case_events DISABLE TRIGGER case_events_report_rollups`);
  await q(
    `INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, created_at)
     SELECT s.id, e.type, CASE WHEN e.agent THEN a.id END, c.queue_id, s.channel, s.created + make_interval(secs => e.at)
       FROM seed s JOIN cases c ON c.id = s.id
       JOIN LATERAL (SELECT id FROM agents ORDER BY id OFFSET s.agent_n - 1 LIMIT 1) a ON true
       CROSS JOIN LATERAL (VALUES
         ('created', 0, false, true), ('queued', 0, false, true),
         ('offered', s.wait_s / 2, true, NOT s.abandoned),
         ('abandoned', s.wait_s, false, s.abandoned),
         ('accepted', s.wait_s, true, NOT s.abandoned), ('assigned', s.wait_s, true, NOT s.abandoned),
         ('first_response', s.wait_s + 30, true, NOT s.abandoned),
         ('solved', s.wait_s + s.handle_s, true, s.solved AND NOT s.abandoned),
         ('reopened', s.wait_s + s.handle_s + 86400, false, s.solved AND NOT s.abandoned AND s.reopened),
         ('closed', s.wait_s + s.handle_s + 2 * 86400, false, s.solved AND NOT s.abandoned AND NOT s.reopened)
       ) AS e(type, at, agent, happened)
      WHERE e.happened
      ORDER BY 1, s.created + make_interval(secs => e.at)`,
  );
  await q(`ALTER TABLE case_events ENABLE TRIGGER case_events_report_rollups`);
  await q(`SELECT report_rollups_rebuild()`);
  await q(
    `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, text, metadata, created_at)
     SELECT s.id, s.customer_id, s.channel, CASE WHEN k % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
            CASE WHEN s.channel = 'voice' AND k = 0 THEN 'call' ELSE 'message' END,
            (ARRAY['my modem light blinks red','the invoice was charged twice','password reset mail never arrived','parcel tracking shows nothing',
                   'please call me back','thanks, that worked','we have refunded the amount','the technician comes tomorrow','restart the router please',
                   'still waiting for an answer'])[1 + (s.id + k) % 10] || ' ref ' || s.id || '-' || k,
            CASE WHEN s.channel = 'voice' AND k = 0 THEN jsonb_build_object('talkSeconds', s.handle_s) ELSE '{}'::jsonb END,
            s.created + make_interval(secs => k * 60)
       FROM seed s, generate_series(0, 9) k`,
  );
  // Presence: every agent available 08–12 and 13–17 UTC on each of the 31 days, away at lunch.
  await q(
    `INSERT INTO agent_presence_log (agent_id, presence, started_at)
     SELECT a.id, p.presence, date_trunc('day', now()) - make_interval(days => d) + p.at
       FROM agents a, generate_series(0, 30) d,
            (VALUES ('available', interval '8 hours'), ('away', interval '12 hours'), ('available', interval '13 hours'), ('offline', interval '17 hours')) p(presence, at)
      WHERE date_trunc('day', now()) - make_interval(days => d) + p.at <= now()`,
  );
  await q(
    `INSERT INTO csat_ratings (case_id, customer_id, channel, agent_id, rating, source, created_at, updated_at)
     SELECT c.id, c.customer_id, c.channel, f.handler_id, 1 + (c.id % 5), 'portal', c.solved_at + interval '5 minutes', c.solved_at + interval '5 minutes'
       FROM cases c JOIN case_facts f ON f.case_id = c.id WHERE c.solved_at IS NOT NULL AND c.id % 5 = 0`,
  );
  // the search side tables as the worker's indexer leaves them (migration 0912)
  await q(`INSERT INTO interaction_search (interaction_id, doc) SELECT id, to_tsvector('simple', coalesce(subject, '') || ' ' || text) FROM interactions`);
  await q(`INSERT INTO case_subject_search (case_id, subject_lower) SELECT id, lower(subject) FROM cases`);
  await q(`INSERT INTO identity_search (identity_id, value) SELECT id, value FROM customer_identities`);
  await q(
    `UPDATE search_watermarks w SET indexed_through = coalesce(CASE w.source WHEN 'interactions' THEN (SELECT max(id) FROM interactions)
       WHEN 'cases' THEN (SELECT max(id) FROM cases) ELSE (SELECT max(id) FROM customer_identities) END, 0)`,
  );
  await q(`VACUUM (ANALYZE) case_facts, assignment_spans, cases, case_events, interactions, agent_presence_log, csat_ratings, interaction_search, identity_search, case_subject_search, customers, customer_identities`);
}

/**
 * A connection stand-in that prints each statement's EXPLAIN (ANALYZE, BUFFERS) before running it, with the
 * settings the reports run with (kpi/report-filter.ts withReportConnection).
 */
async function explaining(pool: pg.Pool): Promise<pg.PoolClient & { done(): void }> {
  const c = await pool.connect();
  await c.query(`SET jit = off`);
  await c.query(`SET work_mem = '64MB'`);
  return {
    async query(sql: string, params?: unknown[]) {
      if (/^\s*(WITH|SELECT)/i.test(sql)) {
        const plan = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        console.log(`\n--- ${sql.trim().split('\n')[0]!.slice(0, 100)} …\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
      return c.query(sql, params);
    },
    done: () => c.release(),
  } as unknown as pg.PoolClient & { done(): void };
}

async function main() {
  const bench = await benchDatabase();
  const pool = createPool(bench.url, 6);
  // an interrupted run drops its database too
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void pool.end().catch(() => undefined);
      void bench.drop().finally(() => process.exit(130));
    });
  }
  try {
    const t0 = performance.now();
    await seed(pool);
    const n = (
      await pool.query(
        `SELECT (SELECT count(*) FROM customers) cu, (SELECT count(*) FROM cases) k, (SELECT count(*) FROM interactions) i, (SELECT count(*) FROM case_events) e`,
      )
    ).rows[0];
    console.log(`data: ${n.cu} customers, ${n.k} cases, ${n.i} interactions, ${n.e} case events (seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    if (SEED_ONLY) {
      console.log(`kept: ${bench.url} (drop it with DROP DATABASE when done)`);
      return;
    }

    const to = new Date();
    const from30 = new Date(to.getTime() - 30 * 86_400_000);
    const today = new Date(to);
    today.setUTCHours(0, 0, 0, 0);
    const w30 = { from: from30, to };
    const queueId = (await pool.query(`SELECT min(id) AS id FROM queues`)).rows[0].id as number;

    if (EXPLAIN) {
      const ex = await explaining(pool);
      await kpiSummary(ex, w30);
      await kpiTimeseries(ex, { ...w30, bucket: 'day' });
      await occupancyByAgent(ex, from30, to);
      await agentReport(ex, w30);
      await heatmap(ex, w30);
      await breakdown(ex, { ...w30, caseType: 'complaint' }, 'tag');
      await drillCases(ex, { ...w30, metric: 'abandoned' });
      for (const s of SEARCHES) await searchWorkspace(ex, s);
      ex.done();
    }

    type Run = [name: string, target: number, now: () => Promise<unknown>, before?: () => Promise<unknown>];
    const runs: Run[] = [
      ['kpi/summary 30 d', REPORT_TARGET_MS, () => kpiSummary(pool, w30), () => baselineSummary(pool, w30)],
      ['kpi/summary 30 d, one queue + voice', REPORT_TARGET_MS, () => kpiSummary(pool, { ...w30, queueId, channel: 'voice' })],
      ['kpi/summary today', REPORT_TARGET_MS, () => kpiSummary(pool, { from: today, to })],
      ['kpi/timeseries 30 d (day)', REPORT_TARGET_MS, () => kpiTimeseries(pool, { ...w30, bucket: 'day' }), () => baselineTimeseries(pool, { ...w30, bucket: 'day' })],
      ['kpi/timeseries today (hour)', REPORT_TARGET_MS, () => kpiTimeseries(pool, { from: today, to, bucket: 'hour' })],
      ['kpi/occupancy 30 d', REPORT_TARGET_MS, () => occupancyByAgent(pool, from30, to), () => baselineOccupancy(pool, from30, to)],
      [
        'dashboard 30 d (summary + series + occupancy)',
        REPORT_TARGET_MS,
        () => Promise.all([kpiSummary(pool, w30), kpiTimeseries(pool, { ...w30, bucket: 'day' }), occupancyByAgent(pool, from30, to)]),
        () => Promise.all([baselineSummary(pool, w30), baselineTimeseries(pool, { ...w30, bucket: 'day' }), baselineOccupancy(pool, from30, to)]),
      ],
      ['reports/volume 30 d (day × channel)', REPORT_TARGET_MS, () => volumeSeries(pool, { ...w30, bucket: 'day', timeZone: 'Asia/Tehran' })],
      ['reports/agents 30 d', REPORT_TARGET_MS, () => agentReport(pool, w30)],
      ['reports/heatmap 30 d', REPORT_TARGET_MS, () => heatmap(pool, { ...w30, timeZone: 'Asia/Tehran' })],
      ['reports/breakdown 30 d by type', REPORT_TARGET_MS, () => breakdown(pool, w30, 'type')],
      ['reports/breakdown 30 d complaints by tag', REPORT_TARGET_MS, () => breakdown(pool, { ...w30, caseType: 'complaint' }, 'tag')],
      ['reports/cases 30 d abandoned (drill-down page)', REPORT_TARGET_MS, () => drillCases(pool, { ...w30, metric: 'abandoned' })],
      ['reports/cases 30 d one agent solved', REPORT_TARGET_MS, () => drillCases(pool, { ...w30, metric: 'solved', agentId: queueId + 1 })],
      ...SEARCHES.map(
        (s): Run => [`search "${s}"`, SEARCH_TARGET_MS, () => searchWorkspace(pool, s), () => baselineSearch(pool, s)],
      ),
    ];
    const REPS = Number(process.env.BENCH_REPS ?? 15);
    let over = 0;
    const time = async (fn: () => Promise<unknown>, reps: number) => {
      await fn(); // warm the cache and the plan once
      const times: number[] = [];
      for (let i = 0; i < reps; i++) {
        const s = performance.now();
        await fn();
        times.push(performance.now() - s);
      }
      return times.sort((a, b) => a - b);
    };
    console.log(`\n| figure | p50 | p95 | target | p95 ÷ target | before (same run), p50 | before ÷ now (p50) |`);
    console.log(`|---|---|---|---|---|---|---|`);
    for (const [name, target, fn, before] of runs) {
      const times = await time(fn, REPS);
      const p50 = percentile(times, 50);
      const p95 = percentile(times, 95);
      if (p95 > target) over++;
      const old = before && BASELINE_REPS > 0 ? percentile(await time(before, BASELINE_REPS), 50) : null;
      console.log(
        `| ${name} | ${p50.toFixed(0)} ms | ${p95.toFixed(0)} ms | ≤ ${target} ms | ${(p95 / target).toFixed(2)} | ${old === null ? '—' : `${old.toFixed(0)} ms`} | ${old === null ? '—' : `${(old / p50).toFixed(1)} ×`} |`,
      );
    }
    console.log(`\n${over ? `${over} figure(s) above target` : 'every figure within target'}; load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await pool.end();
    if (!SEED_ONLY) await bench.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
