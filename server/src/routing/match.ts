/**
 * One match pass: walk the waiting cases in queue order (routing priority, then the time the case
 * first entered the queue) and offer each to the best eligible agent. A case nobody can take is
 * skipped, never blocking the ones behind it; a case that could not be decided (another router holds
 * it, or an agent row was busy) keeps the agents who could take it away from every later case in this
 * pass, so nothing behind it overtakes it — the pass reports `contended` and runs again at once.
 *
 * Which agent: the customer's last agent within the sticky window, then by the queue's distribution:
 * `longest_idle` (available longest since their last case ended) or `least_loaded` (fewest held cases
 * relative to capacity on the case's channel, then longest idle; the default for chat).
 * The offer itself is a lifecycle transition (lifecycle/offers.ts `offerCase`).
 */
import { CHANNELS, type CasePriority, type CaseType, type Channel } from '../contracts/vocabulary.js';
import type { OfferPayload } from '../contracts/realtime.js';
import { settingsOf, type RoutingDeps } from '../lifecycle/deps.js';
import { offerCase } from '../lifecycle/offers.js';
import { hasRoom, loadOfRow, type AgentLoad } from './load.js';
import { stickyWindowSeconds } from './settings.js';
import { nextWatermark, SNAPSHOT_XMIN, watermarkOf, writtenSince } from '../db/xmin-watermark.js';
import { namedStatement, runNamed } from '../db/named.js';

export type Distribution = 'longest_idle' | 'least_loaded';

/** A queue's own choice, else least_loaded for chat (a held chat is live work) and longest_idle otherwise. */
export function distributionFor(queueDistribution: string | null | undefined, channel: Channel): Distribution {
  if (queueDistribution === 'longest_idle' || queueDistribution === 'least_loaded') return queueDistribution;
  return channel === 'chat' ? 'least_loaded' : 'longest_idle';
}

/** Share of the agent's capacity on `channel` in use (1 when the channel has no capacity). */
export function loadShare(load: AgentLoad, channel: string): number {
  const cap = load.capacity[channel] ?? 0;
  return cap > 0 ? (load.used[channel] ?? 0) / cap : 1;
}

interface Candidate {
  id: number;
  skills: string[];
  queueIds: Set<number>;
  idleSince: number;
  load: AgentLoad;
}

interface WaitingCase {
  id: number;
  channel: Channel;
  queue_id: number | null;
  customer_id: number;
  priority: CasePriority;
  queued_epoch: number;
  /** its queue's required skills (none without a queue) */
  skills: string[];
}

/** What the offer needs beyond the queue order, read only for cases some available agent could take. */
interface CaseDetails {
  number: number;
  subject: string;
  type: CaseType;
  queue_name: string | null;
  distribution: string | null;
  /** the queue's offer timeout per channel in seconds (admin → queues); a channel not named uses the default */
  offer_timeouts: Record<string, number> | null;
  customer_name: string | null;
  tier: 'standard' | 'vip';
  /** agents who declined or let it time out within the cooldown */
  refused: number[];
  /** agents it was taken from (not offered back to them by stickiness) */
  released: number[];
  last_agent_id: number | null;
  last_agent_age: number | null;
}

export interface PassResult {
  considered: number;
  offered: number;
  /** a case was being decided by another router, or the state changed under the pass: run another pass soon */
  contended: boolean;
}

/** Candidates an offer tries, best first: a few, so one agent taken meanwhile does not cost the case its turn. */
const OFFER_CANDIDATES = 5;

// The statements of every pass are named (db/named.ts): each router connection plans them once.
const WAITING_CASES = namedStatement(
  'routing-waiting-cases',
  `SELECT c.id, c.channel, c.queue_id, c.customer_id, c.priority, EXTRACT(EPOCH FROM c.first_queued_at)::float AS queued_epoch,
          COALESCE((SELECT q.required_skills FROM queues q WHERE q.id = c.queue_id), '{}') AS skills
     FROM cases c
    WHERE c.routing_state = 'waiting' AND c.channel = ANY($2)
    ORDER BY c.routing_priority, c.first_queued_at, c.id LIMIT $1`,
);

export async function runMatchPass(deps: RoutingDeps, opts: { limit?: number; routerId?: string } = {}): Promise<PassResult> {
  const limit = opts.limit ?? 2000;
  const settings = settingsOf(deps);
  const db = deps.db;
  const result: PassResult = { considered: 0, offered: 0, contended: false };
  const agents = await loadAvailableAgents(deps);
  if (!agents.length) return result;
  // channels some available agent has room on: a case of any other channel is skipped at once
  const roomOn = (ch: string) => agents.some((a) => hasRoom(a.load, ch));
  const channels = CHANNELS.filter(roomOn);
  if (!channels.length) return result;
  const all = (
    await runNamed(db, WAITING_CASES, [limit, channels])
  ).rows as WaitingCase[];
  if (!all.length) return result;

  const byQueue = new Map<number | null, Candidate[]>();
  const membersOf = (queueId: number | null, skills: string[]): Candidate[] => {
    let m = byQueue.get(queueId);
    if (!m) {
      m = agents.filter((a) => (queueId == null || a.queueIds.has(queueId)) && skills.every((s) => a.skills.includes(s)));
      byQueue.set(queueId, m);
    }
    return m;
  };
  // Members of a queue with room on a channel, computed once per pass and narrowed as offers fill agents
  // up, so a pass over many waiting cases does not re-scan every agent for each of them.
  const roomy = new Map<string, Candidate[]>();
  const roomyOf = ({ queue_id: queueId, channel, skills }: WaitingCase): Candidate[] => {
    const key = `${queueId ?? ''}:${channel}`;
    let m = roomy.get(key);
    if (!m) {
      m = membersOf(queueId, skills).filter((a) => hasRoom(a.load, channel));
      roomy.set(key, m);
    }
    return m;
  };
  const narrow = (agent: Candidate) => {
    for (const [key, list] of roomy) {
      const channel = key.slice(key.indexOf(':') + 1);
      if (!hasRoom(agent.load, channel)) {
        const i = list.indexOf(agent);
        if (i >= 0) list.splice(i, 1);
      }
    }
  };
  // only cases some available agent could take need the per-case look-ups below
  const waiting = all.filter((c) => roomyOf(c).length > 0);
  if (!waiting.length) return result;
  const details = await loadCaseDetails(deps, waiting, settings.reofferCooldownMs / 1000);

  // agents a higher case is still being decided for (another router): nothing lower in the queue may be
  // offered to them in this pass
  const held = new Set<number>();
  for (const c of waiting) {
    const d = details.get(c.id);
    if (!d) continue;
    const withRoom = roomyOf(c);
    if (!withRoom.length) continue;
    result.considered++;
    const refused = new Set(d.refused);
    const eligible = refused.size ? withRoom.filter((a) => !refused.has(a.id)) : withRoom;
    if (!eligible.length) continue;
    const free = eligible.filter((a) => !held.has(a.id));
    if (!free.length) continue;
    const stickyId =
      d.last_agent_id != null && (d.last_agent_age ?? Infinity) <= stickyWindowSeconds(settings, c.channel) && !d.released.includes(d.last_agent_id)
        ? d.last_agent_id
        : null;
    const leastLoaded = distributionFor(d.distribution, c.channel) === 'least_loaded';
    const better = (a: Candidate, b: Candidate) =>
      Number(b.id === stickyId) - Number(a.id === stickyId) ||
      (leastLoaded ? loadShare(a.load, c.channel) - loadShare(b.load, c.channel) : 0) ||
      a.idleSince - b.idleSince ||
      a.id - b.id;
    const best = topK(free, OFFER_CANDIDATES, better);
    const outcome = await offerCase(deps, {
      caseId: c.id,
      channel: c.channel,
      candidates: best.map((a) => a.id),
      stickyId,
      routerId: opts.routerId,
      timeoutMs: d.offer_timeouts?.[c.channel] ? d.offer_timeouts[c.channel] * 1000 : undefined,
      payload: (offerId, expiresAt) => offerPayloadOf(c, d, offerId, expiresAt),
    });
    if (outcome.caseBusy) {
      result.contended = true;
      for (const a of eligible) held.add(a.id);
    }
    if (outcome.lockedAgents.length) {
      // a transaction held their rows (an answer, a solve): what they can take is known next pass
      result.contended = true;
      for (const id of outcome.lockedAgents) held.add(id);
    }
    if (outcome.full) {
      // the state changed under the pass (another router's offer, a case taken): these had no room after
      // all; the rest are tried next pass, with fresh state, before anything lower
      const locked = new Set(outcome.lockedAgents);
      for (const a of best) {
        if (locked.has(a.id)) continue;
        a.load = { ...a.load, used: { ...a.load.used, [c.channel]: a.load.capacity[c.channel] ?? 0 } };
        narrow(a);
      }
      if (free.length > best.length) {
        result.contended = true;
        for (const a of free) held.add(a.id);
      }
    }
    if (outcome.offer) {
      result.offered++;
      const a = best.find((x) => x.id === outcome.offer!.agentId)!;
      a.load = { ...a.load, used: { ...a.load.used, [c.channel]: (a.load.used[c.channel] ?? 0) + 1 }, onCall: a.load.onCall || c.channel === 'voice' };
      narrow(a);
    }
  }
  return result;
}

/** The k best of `xs` by `cmp` (negative: first is better), best first, without sorting them all. */
export function topK<T>(xs: T[], k: number, cmp: (a: T, b: T) => number): T[] {
  const out: T[] = [];
  for (const x of xs) {
    if (out.length === k && cmp(x, out[k - 1]) >= 0) continue;
    let i = out.length < k ? out.length : k - 1;
    if (out.length < k) out.push(x);
    while (i > 0 && cmp(x, out[i - 1]) < 0) {
      out[i] = out[i - 1];
      i--;
    }
    out[i] = x;
  }
  return out;
}

/** The `offer` event, built from what the pass already read: no extra query between decision and agent. */
function offerPayloadOf(c: WaitingCase, d: CaseDetails, offerId: string, expiresAt: string): OfferPayload {
  return {
    offerId,
    expiresAt,
    case: {
      id: c.id,
      number: d.number,
      subject: d.subject,
      channel: c.channel,
      priority: c.priority,
      type: d.type,
      queue: c.queue_id ? { id: c.queue_id, name: d.queue_name ?? '' } : null,
      waitingSeconds: Math.max(0, Math.round(Date.now() / 1000 - c.queued_epoch)),
    },
    customer: { id: c.customer_id, name: d.customer_name, tier: d.tier },
  };
}

/** One round trip for everything the offers of this pass need beyond the queue order. */
async function loadCaseDetails(deps: RoutingDeps, waiting: WaitingCase[], cooldownSeconds: number): Promise<Map<number, CaseDetails>> {
  const r = await runNamed(deps.db, CASE_DETAILS, [waiting.map((c) => c.id), cooldownSeconds]);
  return new Map(
    r.rows.map((x) => [
      Number(x.id),
      {
        ...x,
        refused: (x.refused as (string | number)[]).map(Number),
        released: (x.released as (string | number)[]).map(Number),
        last_agent_id: x.last_agent_id == null ? null : Number(x.last_agent_id),
      } as CaseDetails,
    ]),
  );
}

const CASE_DETAILS = namedStatement(
  'routing-case-details',
  `SELECT c.id, c.number, c.subject, c.type, q.name AS queue_name, q.distribution, q.offer_timeouts, cu.name AS customer_name, cu.tier,
            ARRAY(SELECT o.agent_id FROM offers o
                   WHERE o.case_id = c.id AND o.status IN ('declined', 'timed_out') AND o.end_reason IS DISTINCT FROM 'late_accept'
                     AND o.responded_at > now() - make_interval(secs => $2)) AS refused,
            -- filtered in the aggregate over the case's own events (a type in WHERE lets the planner read the
            -- (type, time) index, every unassignment of every case, for each case of every pass)
            COALESCE((SELECT array_agg(e.agent_id) FILTER (WHERE e.type = 'unassigned' AND e.agent_id IS NOT NULL)
                        FROM case_events e WHERE e.case_id = c.id), '{}') AS released,
            l.last_agent_id, l.age AS last_agent_age
       FROM unnest($1::bigint[]) AS w(id)
       JOIN cases c ON c.id = w.id
       JOIN customers cu ON cu.id = c.customer_id
       LEFT JOIN queues q ON q.id = c.queue_id
       LEFT JOIN LATERAL (
         SELECT p.last_agent_id, EXTRACT(EPOCH FROM (now() - p.last_agent_at))::float AS age
           FROM cases p WHERE p.customer_id = c.customer_id AND p.last_agent_id IS NOT NULL AND p.last_agent_at IS NOT NULL
          ORDER BY p.last_agent_at DESC LIMIT 1) l ON true`,
);

/**
 * Available agents with their load, from the incrementally kept matching state (agent_routing). Each
 * router process keeps its own copy and reads only the rows written since its last read: a row version
 * not visible to that read's snapshot was written by a transaction whose id is at least the snapshot's
 * xmin. A full read every few seconds bounds what an id wrap-around could hide. The copy only decides
 * whom to try; the offer statement re-checks availability and room under the agent's row lock.
 */
interface AgentCache {
  agents: Map<number, Candidate>;
  /** snapshot xmin of the last read (32-bit transaction id space, as `xmin` is) */
  since: number | null;
  fullAt: number;
}
const agentCaches = new WeakMap<object, AgentCache>();
const agentsRead = (where: string) =>
  `SELECT ${SNAPSHOT_XMIN} AS snap_xmin, ar.id, ar.available, ar.skills, ar.capacity, ar.used, ar.queue_ids, ar.idle
     FROM (SELECT 1) one LEFT JOIN LATERAL (
       SELECT agent_id AS id, available, skills, capacity, used, queue_ids, EXTRACT(EPOCH FROM idle_since)::float AS idle
         FROM agent_routing
        WHERE ${where}) ar ON true`;
const AGENTS_AVAILABLE = namedStatement('routing-agents-available', agentsRead('available'));
const AGENTS_CHANGED_SINCE = namedStatement('routing-agents-changed', agentsRead(writtenSince('agent_routing', '$1')));
const FULL_READ_MS = 5_000;

async function loadAvailableAgents(deps: RoutingDeps): Promise<Candidate[]> {
  let cache = agentCaches.get(deps.db);
  if (!cache) {
    cache = { agents: new Map(), since: null, fullAt: 0 };
    agentCaches.set(deps.db, cache);
  }
  const full = cache.since == null || Date.now() - cache.fullAt > FULL_READ_MS;
  // one row at least, the snapshot's, so the watermark comes with the read even when nothing changed
  const r = full ? await runNamed(deps.db, AGENTS_AVAILABLE, []) : await runNamed(deps.db, AGENTS_CHANGED_SINCE, [cache.since]);
  if (full) {
    cache.agents.clear();
    cache.fullAt = Date.now();
  }
  for (const x of r.rows) {
    if (x.id == null) continue;
    if (!x.available) {
      cache.agents.delete(Number(x.id));
      continue;
    }
    cache.agents.set(Number(x.id), {
      id: Number(x.id),
      skills: x.skills,
      queueIds: new Set<number>((x.queue_ids as (string | number)[]).map(Number)),
      idleSince: x.idle,
      load: loadOfRow(x),
    });
  }
  cache.since = nextWatermark(cache.since, await watermarkOf(deps.db, r.rows), full);
  return [...cache.agents.values()];
}
