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
import type { CasePriority, CaseType, Channel } from '../contracts/vocabulary.js';
import type { OfferPayload } from '../contracts/realtime.js';
import { settingsOf, type RoutingDeps } from '../lifecycle/deps.js';
import { offerCase } from '../lifecycle/offers.js';
import { hasRoom, DEFAULT_CAPACITY, type AgentLoad } from './load.js';
import { stickyWindowSeconds } from './settings.js';

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
  number: number;
  subject: string;
  priority: CasePriority;
  type: CaseType;
  queued_epoch: number;
  queue_name: string | null;
  distribution: string | null;
  customer_name: string | null;
  tier: 'standard' | 'vip';
}

export interface PassResult {
  considered: number;
  offered: number;
  /** an agent or case was locked by another router: run another pass soon */
  contended: boolean;
}

export async function runMatchPass(deps: RoutingDeps, opts: { limit?: number; routerId?: string } = {}): Promise<PassResult> {
  const limit = opts.limit ?? 2000;
  const settings = settingsOf(deps);
  const db = deps.db;
  const agents = await loadAvailableAgents(deps);
  const result: PassResult = { considered: 0, offered: 0, contended: false };
  if (!agents.length) return result;
  const all = (
    await db.query(
      `SELECT c.id, c.channel, c.queue_id, c.customer_id, c.number, c.subject, c.priority, c.type,
              EXTRACT(EPOCH FROM c.first_queued_at)::float AS queued_epoch, q.name AS queue_name, q.distribution, cu.name AS customer_name, cu.tier
         FROM cases c JOIN customers cu ON cu.id = c.customer_id LEFT JOIN queues q ON q.id = c.queue_id
        WHERE c.routing_state = 'waiting' ORDER BY c.routing_priority, c.first_queued_at, c.id LIMIT $1`,
      [limit],
    )
  ).rows as WaitingCase[];
  if (!all.length) return result;

  const queueSkills = new Map<number, string[]>(
    (await db.query(`SELECT id, required_skills FROM queues`)).rows.map((q) => [q.id, q.required_skills]),
  );
  const couldTake = (a: Candidate, c: WaitingCase) =>
    hasRoom(a.load, c.channel) &&
    (c.queue_id == null || a.queueIds.has(c.queue_id)) &&
    (c.queue_id == null ? [] : (queueSkills.get(c.queue_id) ?? [])).every((s) => a.skills.includes(s));
  // only cases some available agent could take need the per-case look-ups below
  const waiting = all.filter((c) => agents.some((a) => couldTake(a, c)));
  if (!waiting.length) return result;
  const caseIds = waiting.map((c) => c.id);
  const refused = new Set(
    (
      await db.query(
        `SELECT case_id, agent_id FROM offers
          WHERE case_id = ANY($1) AND status IN ('declined', 'timed_out') AND end_reason IS DISTINCT FROM 'late_accept'
            AND responded_at > now() - make_interval(secs => $2)`,
        [caseIds, settings.reofferCooldownMs / 1000],
      )
    ).rows.map((r) => `${r.case_id}:${r.agent_id}`),
  );
  const released = new Set(
    (await db.query(`SELECT case_id, agent_id FROM case_events WHERE case_id = ANY($1) AND type = 'unassigned'`, [caseIds])).rows.map(
      (r) => `${r.case_id}:${r.agent_id}`,
    ),
  );
  const lastAgent = new Map<number, { agentId: number; ageSeconds: number }>(
    (
      await db.query(
        `SELECT DISTINCT ON (customer_id) customer_id, last_agent_id, EXTRACT(EPOCH FROM (now() - last_agent_at))::float AS age
           FROM cases WHERE customer_id = ANY($1) AND last_agent_id IS NOT NULL AND last_agent_at IS NOT NULL
          ORDER BY customer_id, last_agent_at DESC`,
        [[...new Set(waiting.map((c) => c.customer_id))]],
      )
    ).rows.map((r) => [r.customer_id, { agentId: r.last_agent_id, ageSeconds: r.age }]),
  );

  // agents a higher case is still being decided for (another router, a locked agent row): nothing
  // lower in the queue may be offered to them in this pass
  const held = new Set<number>();
  for (const c of waiting) {
    if (!agents.some((a) => hasRoom(a.load, c.channel))) continue;
    result.considered++;
    const eligible = agents.filter((a) => couldTake(a, c) && !refused.has(`${c.id}:${a.id}`));
    if (!eligible.length) continue;
    const free = eligible.filter((a) => !held.has(a.id));
    if (!free.length) continue;
    const last = lastAgent.get(c.customer_id);
    const stickyId =
      last && last.ageSeconds <= stickyWindowSeconds(settings, c.channel) && !released.has(`${c.id}:${last.agentId}`) ? last.agentId : null;
    const leastLoaded = distributionFor(c.distribution, c.channel) === 'least_loaded';
    free.sort(
      (a, b) =>
        Number(b.id === stickyId) - Number(a.id === stickyId) ||
        (leastLoaded ? loadShare(a.load, c.channel) - loadShare(b.load, c.channel) : 0) ||
        a.idleSince - b.idleSince ||
        a.id - b.id,
    );
    const outcome = await offerCase(deps, {
      caseId: c.id,
      channel: c.channel,
      candidates: free.slice(0, 5).map((a) => a.id),
      stickyId,
      routerId: opts.routerId,
      payload: (offerId, expiresAt) => offerPayloadOf(c, offerId, expiresAt),
    });
    // the load read under each agent's lock is the one that counts; then this offer on top of it
    for (const [id, load] of outcome.loads) {
      const a = agents.find((x) => x.id === id);
      if (a) a.load = load;
    }
    if (outcome.caseBusy) {
      result.contended = true;
      for (const a of eligible) held.add(a.id);
    }
    if (outcome.lockedAgents.length) {
      result.contended = true;
      for (const id of outcome.lockedAgents) held.add(id);
    }
    if (!outcome.offer && !outcome.caseBusy && free.length > 5) {
      // the best five had no room after all: the rest are tried next pass, before anything lower
      result.contended = true;
      for (const a of free) held.add(a.id);
    }
    if (outcome.offer) {
      result.offered++;
      const a = agents.find((x) => x.id === outcome.offer!.agentId)!;
      a.load = { ...a.load, used: { ...a.load.used, [c.channel]: (a.load.used[c.channel] ?? 0) + 1 }, onCall: a.load.onCall || c.channel === 'voice' };
    }
  }
  return result;
}

/** The `offer` event, built from what the pass already read: no extra query between decision and agent. */
function offerPayloadOf(c: WaitingCase, offerId: string, expiresAt: string): OfferPayload {
  return {
    offerId,
    expiresAt,
    case: {
      id: c.id,
      number: c.number,
      subject: c.subject,
      channel: c.channel,
      priority: c.priority,
      type: c.type,
      queue: c.queue_id ? { id: c.queue_id, name: c.queue_name ?? '' } : null,
      waitingSeconds: Math.max(0, Math.round(Date.now() / 1000 - c.queued_epoch)),
    },
    customer: { id: c.customer_id, name: c.customer_name, tier: c.tier },
  };
}

async function loadAvailableAgents(deps: RoutingDeps): Promise<Candidate[]> {
  const r = await deps.db.query(
    `SELECT a.id, a.skills, a.capacity, EXTRACT(EPOCH FROM a.idle_since)::float AS idle,
            COALESCE(array_agg(m.queue_id) FILTER (WHERE m.queue_id IS NOT NULL), '{}') AS queue_ids
       FROM agents a LEFT JOIN queue_members m ON m.agent_id = a.id
      WHERE a.presence = 'available' AND a.active
      GROUP BY a.id`,
  );
  if (!r.rowCount) return [];
  const ids = r.rows.map((x) => x.id);
  const used = await deps.db.query(
    `SELECT agent_id, channel, count(*)::int AS n FROM (
       SELECT assignee_id AS agent_id, channel FROM cases WHERE assignee_id = ANY($1) AND status IN ('new', 'open', 'pending')
       UNION ALL
       SELECT o.agent_id, c.channel FROM offers o JOIN cases c ON c.id = o.case_id WHERE o.agent_id = ANY($1) AND o.status = 'pending'
     ) x GROUP BY agent_id, channel`,
    [ids],
  );
  const usedBy = new Map<number, Record<string, number>>();
  for (const u of used.rows) {
    const m = usedBy.get(u.agent_id) ?? {};
    m[u.channel] = u.n;
    usedBy.set(u.agent_id, m);
  }
  return r.rows.map((x) => {
    const u = usedBy.get(x.id) ?? {};
    return {
      id: x.id,
      skills: x.skills,
      queueIds: new Set<number>((x.queue_ids as (string | number)[]).map(Number)),
      idleSince: x.idle,
      load: { capacity: { ...DEFAULT_CAPACITY, ...(x.capacity ?? {}) }, used: u, onCall: (u.voice ?? 0) > 0 },
    };
  });
}
