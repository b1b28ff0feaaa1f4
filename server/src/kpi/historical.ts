import type { Queryable } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';
import type { KpiPoint, KpiSummary, VolumeRow } from '../contracts/kpi.js';
import { filterSql, withReportConnection, type ReportFilter } from './report-filter.js';

export type { KpiPoint, KpiSummary };

/** Default answer-time thresholds for service level, per channel (seconds). */
export const DEFAULT_SL_THRESHOLDS: Record<Channel, number> = { voice: 20, chat: 20, sms: 900, email: 3600, portal: 3600, api: 3600 };

export type KpiFilter = ReportFilter;

/** Days after a solve within which a reopen means the first contact did not resolve the case. */
export const DEFAULT_FCR_DAYS = 7;

/**
 * Cases offered to a queue in the window are those whose first 'queued' event falls in it; each is
 * judged by its first accept (wait) or an abandonment. All three come from the case_facts rollup
 * (migration 1521), one row per case kept from the event log, read through its queued_at index.
 */
function offeredSql(f: ReportFilter, params: unknown[]): string {
  params.push(f.from, f.to);
  const w = `f.queued_at >= $${params.length - 1} AND f.queued_at < $${params.length}`;
  return `SELECT c.id, c.channel, f.queued_at, f.accepted_at, f.abandoned_at IS NOT NULL AS abandoned
            FROM case_facts f JOIN cases c ON c.id = f.case_id
           WHERE ${w} AND ${filterSql(f, params)}`;
}

/** SQL: is this offered row answered within its channel's threshold ($th: jsonb of channel → seconds) */
const within = (th: string) => `accepted_at IS NOT NULL AND extract(epoch FROM accepted_at - queued_at) <= (${th}::jsonb ->> channel)::numeric`;

export async function kpiSummary(
  db: Queryable,
  f: KpiFilter,
  thresholds: Partial<Record<Channel, number>> = {},
  fcrDays = DEFAULT_FCR_DAYS,
): Promise<KpiSummary> {
  const th = { ...DEFAULT_SL_THRESHOLDS, ...thresholds };
  // three independent reads, each on its own connection: they run side by side
  const [o, t, csat] = await Promise.all([
    withReportConnection(db, async (q) => {
      const op: unknown[] = [];
      const offered = offeredSql(f, op);
      op.push(JSON.stringify(th));
      return (
        await q.query(
          `WITH offered AS (${offered})
           SELECT count(*)::int AS offered,
                  count(*) FILTER (WHERE accepted_at IS NOT NULL)::int AS answered,
                  count(*) FILTER (WHERE ${within(`$${op.length}`)})::int AS within,
                  count(*) FILTER (WHERE abandoned AND accepted_at IS NULL)::int AS abandoned,
                  avg(extract(epoch FROM accepted_at - queued_at)) FILTER (WHERE accepted_at IS NOT NULL) AS asa
             FROM offered`,
          op,
        )
      ).rows[0];
    }),
    // First response and resolution are about cases created in the window, queued or not; handle time
    // about cases solved in it (talk time for a call, accept → solved otherwise, plus the after-call work
    // recorded for the case, case_facts.wrap_up_seconds); FCR about cases first
    // solved in it. One pass over the cases touching the window.
    withReportConnection(db, async (q) => {
      const tp: unknown[] = [f.from, f.to, fcrDays];
      return (
        await q.query(
          `WITH touched AS (
             SELECT c.id, c.channel, c.created_at, c.first_response_at, c.solved_at, f.accepted_at, f.first_solved_at, f.reopened_at, f.wrap_up_seconds,
                    c.created_at >= $1 AND c.created_at < $2 AS created_in,
                    c.solved_at >= $1 AND c.solved_at < $2 AS solved_in,
                    f.first_solved_at >= $1 AND f.first_solved_at < $2 AS first_solved_in
               FROM cases c LEFT JOIN case_facts f ON f.case_id = c.id
              WHERE ((c.created_at >= $1 AND c.created_at < $2) OR (c.solved_at >= $1 AND c.solved_at < $2)
                     OR (f.first_solved_at >= $1 AND f.first_solved_at < $2))
                AND ${filterSql(f, tp)}
           )
           SELECT avg(extract(epoch FROM first_response_at - created_at)) FILTER (WHERE created_in AND first_response_at IS NOT NULL) AS frt,
                  avg(extract(epoch FROM solved_at - created_at)) FILTER (WHERE created_in AND solved_at IS NOT NULL) AS resolution,
                  avg(CASE WHEN channel = 'voice' AND talk.s IS NOT NULL THEN talk.s
                           WHEN accepted_at IS NOT NULL THEN extract(epoch FROM solved_at - accepted_at) END
                      + coalesce(wrap_up_seconds, 0)) FILTER (WHERE solved_in) AS aht,
                  count(*) FILTER (WHERE first_solved_in)::int AS solved,
                  count(*) FILTER (WHERE first_solved_in AND (reopened_at IS NULL OR reopened_at > first_solved_at + make_interval(days => $3)))::int AS fcr
             FROM touched
             LEFT JOIN LATERAL (
               SELECT sum(COALESCE((i.metadata->>'talkSeconds')::numeric, (i.metadata->>'durationSeconds')::numeric)) AS s
                 FROM interactions i WHERE i.case_id = touched.id AND i.kind = 'call' AND touched.solved_in AND touched.channel = 'voice'
             ) talk ON true`,
          tp,
        )
      ).rows[0];
    }),
    withReportConnection(db, async (q) => {
      const cp: unknown[] = [f.from, f.to];
      return (
        await q.query(
          `SELECT count(*)::int AS responses, count(*) FILTER (WHERE r.rating >= 4)::int AS satisfied
             FROM csat_ratings r JOIN cases c ON c.id = r.case_id LEFT JOIN case_facts f ON f.case_id = c.id
            WHERE r.updated_at >= $1 AND r.updated_at < $2 AND ${filterSql(f, cp)}`,
          cp,
        )
      ).rows[0];
    }),
  ]);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    offered: o.offered,
    answered: o.answered,
    answeredWithinThreshold: o.within,
    abandoned: o.abandoned,
    serviceLevel: ratio(o.within, o.offered),
    abandonmentRate: ratio(o.abandoned, o.offered),
    asaSeconds: num(o.asa),
    ahtSeconds: num(t.aht),
    firstResponseSeconds: num(t.frt),
    resolutionSeconds: num(t.resolution),
    csat: csat.responses ? csat.satisfied / csat.responses : null,
    csatResponses: csat.responses,
    solved: t.solved,
    firstContactResolution: ratio(t.fcr, t.solved),
  };
}

export type { VolumeRow };

/**
 * Offered, answered, abandoned and answered-within-threshold per bucket and channel; buckets are the
 * organisation's hours or days (`timeZone`), returned as the instant each bucket starts.
 */
export async function volumeSeries(
  db: Queryable,
  f: KpiFilter & { bucket: 'hour' | 'day'; timeZone?: string },
  thresholds: Partial<Record<Channel, number>> = {},
): Promise<VolumeRow[]> {
  const th = { ...DEFAULT_SL_THRESHOLDS, ...thresholds };
  const p: unknown[] = [];
  const offered = offeredSql(f, p);
  p.push(JSON.stringify(th), f.bucket, f.timeZone ?? 'UTC');
  const [thP, bucketP, tzP] = [`$${p.length - 2}`, `$${p.length - 1}`, `$${p.length}`];
  const r = await withReportConnection(db, (q) =>
    q.query(
      `WITH offered AS (${offered})
       SELECT date_trunc(${bucketP}, queued_at AT TIME ZONE ${tzP}) AT TIME ZONE ${tzP} AS bucket, channel,
              count(*)::int AS offered,
              count(*) FILTER (WHERE accepted_at IS NOT NULL)::int AS answered,
              count(*) FILTER (WHERE abandoned AND accepted_at IS NULL)::int AS abandoned,
              count(*) FILTER (WHERE ${within(thP)})::int AS within,
              avg(extract(epoch FROM accepted_at - queued_at)) FILTER (WHERE accepted_at IS NOT NULL) AS asa
         FROM offered
        GROUP BY 1, 2 ORDER BY 1, 2`,
      p,
    ),
  );
  return r.rows.map((x) => ({
    bucket: new Date(x.bucket).toISOString(),
    channel: x.channel,
    offered: x.offered,
    answered: x.answered,
    abandoned: x.abandoned,
    answeredWithinThreshold: x.within,
    serviceLevel: x.offered ? x.within / x.offered : null,
    asaSeconds: x.asa === null ? null : Number(x.asa),
  }));
}

/** Per-hour or per-day series of the queue KPIs over all channels, for charts. */
export async function kpiTimeseries(
  db: Queryable,
  f: KpiFilter & { bucket: 'hour' | 'day'; timeZone?: string },
  thresholds: Partial<Record<Channel, number>> = {},
): Promise<KpiPoint[]> {
  const rows = await volumeSeries(db, f, thresholds);
  const by = new Map<string, { offered: number; answered: number; abandoned: number; within: number; waitSum: number }>();
  for (const r of rows) {
    const b = by.get(r.bucket) ?? { offered: 0, answered: 0, abandoned: 0, within: 0, waitSum: 0 };
    b.offered += r.offered;
    b.answered += r.answered;
    b.abandoned += r.abandoned;
    b.within += r.answeredWithinThreshold;
    b.waitSum += (r.asaSeconds ?? 0) * r.answered;
    by.set(r.bucket, b);
  }
  return [...by].map(([bucket, b]) => ({
    bucket,
    offered: b.offered,
    answered: b.answered,
    abandoned: b.abandoned,
    serviceLevel: b.offered ? b.within / b.offered : null,
    asaSeconds: b.answered ? b.waitSum / b.answered : null,
  }));
}
