import type { Queryable } from '../db/pool.js';
import type { Channel } from '../contracts/vocabulary.js';
import type { AgentReportRow, BreakdownRow, HeatmapCell, ReportCaseRow } from '../contracts/kpi.js';
import { DEFAULT_FCR_DAYS, DEFAULT_SL_THRESHOLDS } from './historical.js';
import { occupancyByAgent } from './occupancy.js';
import { filterSql, withReportConnection, type ReportFilter } from './report-filter.js';

export type { AgentReportRow, BreakdownRow, HeatmapCell, ReportCaseRow };

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Per agent: cases accepted (of those offered in the window), cases first solved in the window with the
 * agent as handler (their handle time, first response, first-contact resolution), CSAT of ratings given in
 * the window for the agent's cases, and occupancy. Every active agent has a row, idle ones too.
 */
export async function agentReport(db: Queryable, f: ReportFilter, fcrDays = DEFAULT_FCR_DAYS): Promise<AgentReportRow[]> {
  const [rows, occupancy] = await Promise.all([
    withReportConnection(db, async (q) => {
      const ap: unknown[] = [f.from, f.to];
      const accepted = await q.query(
        `SELECT f.accepted_agent_id AS agent_id, count(*)::int AS n
           FROM case_facts f JOIN cases c ON c.id = f.case_id
          WHERE f.queued_at >= $1 AND f.queued_at < $2 AND f.accepted_agent_id IS NOT NULL AND ${filterSql(f, ap)}
          GROUP BY 1`,
        ap,
      );
      const sp: unknown[] = [f.from, f.to, fcrDays];
      const solved = await q.query(
        `SELECT f.handler_id AS agent_id, count(*)::int AS solved,
                count(*) FILTER (WHERE f.reopened_at IS NULL OR f.reopened_at > f.first_solved_at + make_interval(days => $3))::int AS fcr,
                avg(CASE WHEN c.channel = 'voice' AND talk.s IS NOT NULL THEN talk.s
                         WHEN f.accepted_at IS NOT NULL THEN extract(epoch FROM f.first_solved_at - f.accepted_at) END
                    + f.wrap_up_seconds) AS aht,
                avg(extract(epoch FROM c.first_response_at - c.created_at)) FILTER (WHERE c.first_response_at IS NOT NULL) AS frt
           FROM case_facts f JOIN cases c ON c.id = f.case_id
           LEFT JOIN LATERAL (
             SELECT sum(COALESCE((i.metadata->>'talkSeconds')::numeric, (i.metadata->>'durationSeconds')::numeric)) AS s
               FROM interactions i WHERE i.case_id = c.id AND i.kind = 'call' AND c.channel = 'voice'
           ) talk ON true
          WHERE f.first_solved_at >= $1 AND f.first_solved_at < $2 AND f.handler_id IS NOT NULL AND ${filterSql(f, sp)}
          GROUP BY 1`,
        sp,
      );
      const cp: unknown[] = [f.from, f.to];
      const csat = await q.query(
        `SELECT coalesce(r.agent_id, f.handler_id) AS agent_id, count(*)::int AS responses, count(*) FILTER (WHERE r.rating >= 4)::int AS satisfied
           FROM csat_ratings r JOIN cases c ON c.id = r.case_id LEFT JOIN case_facts f ON f.case_id = c.id
          WHERE r.updated_at >= $1 AND r.updated_at < $2 AND ${filterSql(f, cp)}
          GROUP BY 1`,
        cp,
      );
      return { accepted: accepted.rows, solved: solved.rows, csat: csat.rows };
    }),
    occupancyByAgent(db, f.from, f.to, f.agentId),
  ]);
  const by = <T extends { agent_id: number }>(xs: T[]) => new Map(xs.map((x) => [x.agent_id, x]));
  const acc = by(rows.accepted);
  const sol = by(rows.solved);
  const cs = by(rows.csat);
  return occupancy
    .map((o) => {
      const s = sol.get(o.agentId);
      const c = cs.get(o.agentId);
      return {
        agentId: o.agentId,
        name: o.name,
        accepted: acc.get(o.agentId)?.n ?? 0,
        solved: s?.solved ?? 0,
        ahtSeconds: num(s?.aht),
        firstResponseSeconds: num(s?.frt),
        firstContactResolution: s ? ratio(s.fcr, s.solved) : null,
        csat: c ? ratio(c.satisfied, c.responses) : null,
        csatResponses: c?.responses ?? 0,
        busySeconds: o.busySeconds,
        staffedSeconds: o.staffedSeconds,
        occupancy: o.occupancy,
        wrapUpSeconds: o.wrapUpSeconds,
        breakSeconds: o.breakSeconds,
      };
    })
    .filter((r) => f.agentId === undefined || r.agentId === f.agentId);
}

/**
 * Offered volume by the organisation's weekday × hour. `perHour` divides by how many times that
 * weekday-hour occurs in the window, so it is an arrival rate the Erlang C calculator takes as is.
 */
export async function heatmap(db: Queryable, f: ReportFilter & { timeZone?: string }): Promise<HeatmapCell[]> {
  const p: unknown[] = [f.from, f.to, f.timeZone ?? 'UTC'];
  const r = await withReportConnection(db, (q) =>
    q.query(
      `WITH hours AS (
         -- the organisation's wall-clock hours in the window (a zone may be a half hour off UTC)
         SELECT extract(isodow FROM h)::int AS weekday, extract(hour FROM h)::int AS hour, count(*)::int AS n
           FROM generate_series(date_trunc('hour', $1::timestamptz AT TIME ZONE $3), ($2::timestamptz AT TIME ZONE $3) - interval '1 microsecond', interval '1 hour') h
          GROUP BY 1, 2
       ), offered AS (
         SELECT extract(isodow FROM f.queued_at AT TIME ZONE $3)::int AS weekday, extract(hour FROM f.queued_at AT TIME ZONE $3)::int AS hour, count(*)::int AS offered
           FROM case_facts f JOIN cases c ON c.id = f.case_id
          WHERE f.queued_at >= $1 AND f.queued_at < $2 AND ${filterSql(f, p)}
          GROUP BY 1, 2
       )
       SELECT h.weekday, h.hour, coalesce(o.offered, 0) AS offered, h.n
         FROM hours h LEFT JOIN offered o USING (weekday, hour)
        ORDER BY 1, 2`,
      p,
    ),
  );
  return r.rows.map((x) => ({ weekday: x.weekday, hour: x.hour, offered: x.offered, perHour: x.n ? x.offered / x.n : 0 }));
}

export const BREAKDOWNS = ['type', 'tag', 'disposition'] as const;
export type BreakdownBy = (typeof BREAKDOWNS)[number];

/**
 * Cases created in the window per type, per tag or per disposition ("why customers call"; key: the
 * disposition's code, '' for cases given none), with how many of them are solved.
 */
export async function breakdown(db: Queryable, f: ReportFilter, by: BreakdownBy): Promise<BreakdownRow[]> {
  const p: unknown[] = [f.from, f.to];
  // a disposition row also names its id (a code may exist once globally and once per queue): drill-downs filter by it
  const [key, groupBy] = ({ type: ['c.type AS key', '1'], tag: ['k.tag AS key', '1'], disposition: ["coalesce(d.code, '') AS key, d.id", '1, 2'] } as const)[by];
  const join = { type: '', tag: 'CROSS JOIN LATERAL unnest(c.tags) AS k(tag)', disposition: 'LEFT JOIN dispositions d ON d.id = c.disposition_id' }[by];
  const r = await withReportConnection(db, (q) =>
    q.query(
      `SELECT ${key}, count(*)::int AS cases, count(*) FILTER (WHERE c.solved_at IS NOT NULL OR c.status IN ('solved', 'closed'))::int AS solved
         FROM cases c LEFT JOIN case_facts f ON f.case_id = c.id
         ${join}
        WHERE c.created_at >= $1 AND c.created_at < $2 AND c.merged_into_id IS NULL AND ${filterSql(f, p)}
        GROUP BY ${groupBy} ORDER BY cases DESC, key`,
      p,
    ),
  );
  return r.rows.map((x) => (by === 'disposition' ? { key: x.key, cases: x.cases, solved: x.solved, id: x.id } : { key: x.key, cases: x.cases, solved: x.solved }));
}

/** What a drill-down lists: the cases behind one figure. The window applies to the figure's own time. */
export const DRILL_METRICS = ['offered', 'answered', 'within', 'abandoned', 'created', 'responded', 'solved', 'fcr', 'reopened', 'handled', 'rated', 'satisfied'] as const;
export type DrillMetric = (typeof DRILL_METRICS)[number];

export interface DrillFilter extends ReportFilter {
  metric: DrillMetric;
  /** ISO weekday and hour in the organisation's time zone (a heatmap cell) */
  weekday?: number;
  hour?: number;
  timeZone?: string;
  fcrDays?: number;
  thresholds?: Partial<Record<Channel, number>>;
}

function drillWhere(d: DrillFilter, p: unknown[]): string {
  const v = (x: unknown) => {
    p.push(x);
    return `$${p.length}`;
  };
  const [from, to] = [v(d.from), v(d.to)];
  const inWin = (col: string) => `${col} >= ${from} AND ${col} < ${to}`;
  const fcrDays = () => `make_interval(days => ${v(d.fcrDays ?? DEFAULT_FCR_DAYS)})`;
  const metric: Record<DrillMetric, () => string> = {
    offered: () => inWin('f.queued_at'),
    answered: () => `${inWin('f.queued_at')} AND f.accepted_at IS NOT NULL`,
    within: () =>
      `${inWin('f.queued_at')} AND f.accepted_at IS NOT NULL AND extract(epoch FROM f.accepted_at - f.queued_at) <= (${v(JSON.stringify({ ...DEFAULT_SL_THRESHOLDS, ...d.thresholds }))}::jsonb ->> c.channel)::numeric`,
    abandoned: () => `${inWin('f.queued_at')} AND f.abandoned_at IS NOT NULL AND f.accepted_at IS NULL`,
    created: () => inWin('c.created_at'),
    responded: () => `${inWin('c.created_at')} AND c.first_response_at IS NOT NULL`,
    solved: () => inWin('f.first_solved_at'),
    fcr: () => `${inWin('f.first_solved_at')} AND (f.reopened_at IS NULL OR f.reopened_at > f.first_solved_at + ${fcrDays()})`,
    reopened: () => `${inWin('f.first_solved_at')} AND f.reopened_at <= f.first_solved_at + ${fcrDays()}`,
    handled: () => inWin('c.solved_at'),
    rated: () => inWin('r.updated_at'),
    satisfied: () => `${inWin('r.updated_at')} AND r.rating >= 4`,
  };
  let w = `${metric[d.metric]()} AND ${filterSql(d, p)}`;
  if (d.weekday !== undefined || d.hour !== undefined) {
    const tz = v(d.timeZone ?? 'UTC');
    const col = ['created', 'responded'].includes(d.metric) ? 'c.created_at' : 'f.queued_at';
    if (d.weekday !== undefined) w += ` AND extract(isodow FROM ${col} AT TIME ZONE ${tz}) = ${v(d.weekday)}`;
    if (d.hour !== undefined) w += ` AND extract(hour FROM ${col} AT TIME ZONE ${tz}) = ${v(d.hour)}`;
  }
  return w;
}

const CASE_ROW_SQL = (where: string, after: string, limit: string) => `
  SELECT c.id, c.number, c.subject, c.channel, c.type, c.status, q.name AS queue, a.name AS agent, c.tags, c.created_at, dp.code AS disposition,
         f.queued_at, f.accepted_at, f.abandoned_at IS NOT NULL AND f.accepted_at IS NULL AS abandoned, c.first_response_at, c.solved_at,
         f.reopened_at IS NOT NULL AS reopened, r.rating
    FROM cases c
    LEFT JOIN case_facts f ON f.case_id = c.id
    LEFT JOIN csat_ratings r ON r.case_id = c.id
    LEFT JOIN queues q ON q.id = c.queue_id
    LEFT JOIN agents a ON a.id = coalesce(f.handler_id, c.assignee_id)
    LEFT JOIN dispositions dp ON dp.id = c.disposition_id
   WHERE ${where} AND c.id > ${after}
   ORDER BY c.id
   LIMIT ${limit}`;

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
function caseRow(x: Record<string, unknown>): ReportCaseRow {
  return {
    caseId: x.id as number,
    number: x.number as number,
    subject: x.subject as string,
    channel: x.channel as string,
    type: x.type as string,
    status: x.status as string,
    queue: (x.queue as string | null) ?? null,
    agent: (x.agent as string | null) ?? null,
    tags: x.tags as string[],
    disposition: (x.disposition as string | null) ?? null,
    createdAt: iso(x.created_at)!,
    queuedAt: iso(x.queued_at),
    acceptedAt: iso(x.accepted_at),
    waitSeconds: x.queued_at && x.accepted_at ? (new Date(x.accepted_at as string).getTime() - new Date(x.queued_at as string).getTime()) / 1000 : null,
    abandoned: x.abandoned === true,
    firstResponseAt: iso(x.first_response_at),
    solvedAt: iso(x.solved_at),
    reopened: x.reopened === true,
    csat: (x.rating as number | null) ?? null,
  };
}

/** One page of the cases behind a figure, by case id (keyset: pass the last id seen as `afterId`). */
export async function drillCases(db: Queryable, d: DrillFilter, limit = 200, afterId = 0): Promise<ReportCaseRow[]> {
  const p: unknown[] = [];
  const where = drillWhere(d, p);
  p.push(afterId, limit);
  const r = await withReportConnection(db, (q) => q.query(CASE_ROW_SQL(where, `$${p.length - 1}`, `$${p.length}`), p));
  return r.rows.map(caseRow);
}

/** Every case behind a figure, page by page, for a streamed export; memory stays one page. */
export async function* allDrillCases(db: Queryable, d: DrillFilter, page = 2000): AsyncGenerator<ReportCaseRow> {
  let after = 0;
  for (;;) {
    const rows = await drillCases(db, d, page, after);
    for (const r of rows) yield r;
    if (rows.length < page) return;
    after = rows[rows.length - 1]!.caseId;
  }
}
