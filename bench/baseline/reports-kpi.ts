// The KPI queries as they were before the report rollups (commit 1ae673a: server/src/kpi/historical.ts and
// occupancy.ts, unchanged but for the names), kept only so bench/reports.ts can time them in the same run as
// its baseline: on a shared machine only ratios measured side by side mean anything.
import type { Queryable } from '../../server/src/db/pool.js';
import type { Channel } from '../../server/src/contracts/vocabulary.js';
import type { KpiPoint, KpiSummary } from '../../server/src/contracts/kpi.js';
import { DEFAULT_SL_THRESHOLDS } from '../../server/src/kpi/historical.js';

interface KpiFilter {
  from: Date;
  to: Date;
  queueId?: number;
  channel?: Channel;
}
type OldSummary = Omit<KpiSummary, 'solved' | 'firstContactResolution'>;
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

export async function baselineSummary(db: Queryable, f: KpiFilter, thresholds: Partial<Record<Channel, number>> = {}): Promise<OldSummary> {
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
export async function baselineTimeseries(db: Queryable, f: KpiFilter & { bucket: 'hour' | 'day' }, thresholds: Partial<Record<Channel, number>> = {}): Promise<KpiPoint[]> {
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
export async function baselineOccupancy(db: Queryable, from: Date, to: Date): Promise<{ agentId: number; busySeconds: number; staffedSeconds: number }[]> {
  const r = await db.query(
    `WITH win AS (SELECT tstzmultirange(tstzrange($1::timestamptz, $2::timestamptz)) AS w),
     presence AS (
       SELECT agent_id, presence,
              tstzrange(started_at, COALESCE(lead(started_at) OVER (PARTITION BY agent_id ORDER BY started_at, id), now())) AS r
         FROM agent_presence_log
     ),
     available AS (SELECT agent_id, range_agg(r) AS m FROM presence WHERE presence = 'available' AND NOT isempty(r) GROUP BY agent_id),
     held AS (
       SELECT e.agent_id,
              tstzrange(e.created_at, COALESCE((
                SELECT min(x.created_at) FROM case_events x
                 WHERE x.case_id = e.case_id AND x.id > e.id
                   AND x.type IN ('solved', 'closed', 'unassigned', 'assigned', 'merged')), now())) AS r
         FROM case_events e
        WHERE e.type = 'assigned' AND e.agent_id IS NOT NULL
     ),
     busy AS (SELECT agent_id, range_agg(r) AS m FROM held WHERE NOT isempty(r) GROUP BY agent_id),
     per_agent AS (
       SELECT a.id, a.name,
              COALESCE(b.m, '{}'::tstzmultirange) * win.w AS busy,
              (COALESCE(av.m, '{}'::tstzmultirange) + COALESCE(b.m, '{}'::tstzmultirange)) * win.w AS staffed
         FROM agents a CROSS JOIN win
         LEFT JOIN available av ON av.agent_id = a.id
         LEFT JOIN busy b ON b.agent_id = a.id
     )
     SELECT id, name,
            (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(busy) x) AS busy_seconds,
            (SELECT COALESCE(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest(staffed) x) AS staffed_seconds
       FROM per_agent ORDER BY name`,
    [from, to],
  );
  return r.rows.map((x) => {
    const busySeconds = Number(x.busy_seconds);
    const staffedSeconds = Number(x.staffed_seconds);
    return { agentId: x.id, name: x.name, busySeconds, staffedSeconds, occupancy: staffedSeconds > 0 ? busySeconds / staffedSeconds : null };
  });
}
