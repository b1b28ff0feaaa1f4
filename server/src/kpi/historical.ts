import type { Queryable } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';
import type { KpiPoint, KpiSummary } from '../contracts/kpi.js';

export type { KpiPoint, KpiSummary };

/** Default answer-time thresholds for service level, per channel (seconds). */
export const DEFAULT_SL_THRESHOLDS: Record<Channel, number> = { voice: 20, chat: 20, sms: 900, email: 3600, portal: 3600, api: 3600 };

export interface KpiFilter {
  from: Date;
  to: Date;
  queueId?: number;
  channel?: Channel;
}

// Cases offered to a queue in the window are those whose first 'queued' event falls in it
// (the event log, not cases.first_queued_at, which routing clears once a case is done);
// each is judged by its first accept (wait) or an abandonment.
const OFFERED_CTE = `
  WITH first_queued AS (
    SELECT e.case_id, e.created_at AS queued_at
      FROM case_events e
     WHERE e.type = 'queued' AND e.created_at >= $1 AND e.created_at < $2
       AND NOT EXISTS (SELECT 1 FROM case_events p WHERE p.case_id = e.case_id AND p.type = 'queued' AND p.created_at < e.created_at)
  ), offered AS (
    SELECT c.id, c.channel, c.created_at, c.first_response_at, c.solved_at, c.queue_id, fq.queued_at,
           (SELECT min(e.created_at) FROM case_events e WHERE e.case_id = c.id AND e.type = 'accepted') AS accepted_at,
           EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'abandoned') AS abandoned
      FROM first_queued fq JOIN cases c ON c.id = fq.case_id
     WHERE ($3::bigint IS NULL OR c.queue_id = $3) AND ($4::text IS NULL OR c.channel = $4)
  )`;

export async function kpiSummary(db: Queryable, f: KpiFilter, thresholds: Partial<Record<Channel, number>> = {}): Promise<KpiSummary> {
  const th = { ...DEFAULT_SL_THRESHOLDS, ...thresholds };
  const r = await db.query(
    `${OFFERED_CTE}
     SELECT count(*)::int AS offered,
            count(*) FILTER (WHERE accepted_at IS NOT NULL)::int AS answered,
            count(*) FILTER (WHERE accepted_at IS NOT NULL
                             AND extract(epoch FROM accepted_at - queued_at) <= ($5::jsonb ->> channel)::numeric)::int AS within,
            count(*) FILTER (WHERE abandoned AND accepted_at IS NULL)::int AS abandoned,
            avg(extract(epoch FROM accepted_at - queued_at)) FILTER (WHERE accepted_at IS NOT NULL) AS asa
       FROM offered`,
    [f.from, f.to, f.queueId ?? null, f.channel ?? null, JSON.stringify(th)],
  );
  const o = r.rows[0];
  // Time-to-respond and resolution are about cases created in the window, queued or not.
  const t = await db.query(
    `SELECT avg(extract(epoch FROM c.first_response_at - c.created_at)) FILTER (WHERE c.first_response_at IS NOT NULL) AS frt,
            avg(extract(epoch FROM c.solved_at - c.created_at)) FILTER (WHERE c.solved_at IS NOT NULL) AS resolution
       FROM cases c
      WHERE c.created_at >= $1 AND c.created_at < $2 AND ($3::bigint IS NULL OR c.queue_id = $3) AND ($4::text IS NULL OR c.channel = $4)`,
    [f.from, f.to, f.queueId ?? null, f.channel ?? null],
  );
  const aht = await db.query(
    `WITH handled AS (
       SELECT c.id, c.channel,
              (SELECT min(e.created_at) FROM case_events e WHERE e.case_id = c.id AND e.type = 'accepted') AS accepted_at,
              c.solved_at,
              (SELECT sum(COALESCE((i.metadata->>'talkSeconds')::numeric, (i.metadata->>'durationSeconds')::numeric))
                 FROM interactions i WHERE i.case_id = c.id AND i.kind = 'call') AS talk
         FROM cases c
        WHERE c.solved_at >= $1 AND c.solved_at < $2 AND ($3::bigint IS NULL OR c.queue_id = $3) AND ($4::text IS NULL OR c.channel = $4))
     SELECT avg(CASE WHEN channel = 'voice' AND talk IS NOT NULL THEN talk
                     WHEN accepted_at IS NOT NULL THEN extract(epoch FROM solved_at - accepted_at) END) AS aht
       FROM handled`,
    [f.from, f.to, f.queueId ?? null, f.channel ?? null],
  );
  const csat = await csatSummary(db, f);
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
    ahtSeconds: num(aht.rows[0].aht),
    firstResponseSeconds: num(t.rows[0].frt),
    resolutionSeconds: num(t.rows[0].resolution),
    csat: csat.responses ? csat.satisfied / csat.responses : null,
    csatResponses: csat.responses,
  };
}

/** CSAT: one rating per case (the latest counts), 1–5; satisfied = 4 or 5. */
async function csatSummary(db: Queryable, f: KpiFilter): Promise<{ responses: number; satisfied: number }> {
  const r = await db.query(
    `SELECT count(*)::int AS responses, count(*) FILTER (WHERE r.rating >= 4)::int AS satisfied
       FROM csat_ratings r JOIN cases c ON c.id = r.case_id
      WHERE r.updated_at >= $1 AND r.updated_at < $2
        AND ($3::bigint IS NULL OR c.queue_id = $3) AND ($4::text IS NULL OR c.channel = $4)`,
    [f.from, f.to, f.queueId ?? null, f.channel ?? null],
  );
  return r.rows[0];
}

/** Per-hour or per-day series of the queue KPIs, for charts. */
export async function kpiTimeseries(db: Queryable, f: KpiFilter & { bucket: 'hour' | 'day' }, thresholds: Partial<Record<Channel, number>> = {}): Promise<KpiPoint[]> {
  const th = { ...DEFAULT_SL_THRESHOLDS, ...thresholds };
  const r = await db.query(
    `${OFFERED_CTE}
     SELECT date_trunc($6, queued_at) AS bucket,
            count(*)::int AS offered,
            count(*) FILTER (WHERE accepted_at IS NOT NULL)::int AS answered,
            count(*) FILTER (WHERE abandoned AND accepted_at IS NULL)::int AS abandoned,
            count(*) FILTER (WHERE accepted_at IS NOT NULL
                             AND extract(epoch FROM accepted_at - queued_at) <= ($5::jsonb ->> channel)::numeric)::int AS within,
            avg(extract(epoch FROM accepted_at - queued_at)) FILTER (WHERE accepted_at IS NOT NULL) AS asa
       FROM offered WHERE queued_at IS NOT NULL
      GROUP BY 1 ORDER BY 1`,
    [f.from, f.to, f.queueId ?? null, f.channel ?? null, JSON.stringify(th), f.bucket],
  );
  return r.rows.map((x) => ({
    bucket: new Date(x.bucket).toISOString(),
    offered: x.offered,
    answered: x.answered,
    abandoned: x.abandoned,
    serviceLevel: x.offered ? x.within / x.offered : null,
    asaSeconds: x.asa === null ? null : Number(x.asa),
  }));
}
