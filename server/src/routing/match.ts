/**
 * One match pass: walk the waiting cases in queue order (routing priority, then the time the case
 * first entered the queue) and offer each to the best eligible agent. A case nobody can take is
 * skipped, never blocking the ones behind it.
 *
 * Safe with several routers at once: each offer is decided in its own transaction that locks the
 * case row, then the agent row (SKIP LOCKED: a busy agent is passed over, retried next pass) and
 * re-reads the agent's load under that lock, so two routers can neither offer one case twice (also a
 * unique index) nor push an agent past capacity.
 */
import { withTransaction } from '../db/pool.js';
import type { CasePriority, CaseType, Channel } from '../contracts/channels.js';
import { NAMESPACES, rooms, type OfferPayload } from '../contracts/realtime.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { agentLoad, hasRoom, DEFAULT_CAPACITY, type AgentLoad } from './load.js';
import { offerTimeoutMs, stickyWindowSeconds } from './settings.js';
import { emitterOf } from './deps.js';
import { scheduleOfferTimeout } from './signals.js';

/** Advisory-lock key space of router case claims (first half of the two-int key). */
const ROUTER_LOCK_SPACE = 0x43480001 & 0x7fffffff;

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
              EXTRACT(EPOCH FROM c.first_queued_at)::float AS queued_epoch, q.name AS queue_name, cu.name AS customer_name, cu.tier
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
          WHERE case_id = ANY($1) AND status IN ('declined', 'timed_out') AND responded_at > now() - make_interval(secs => $2)`,
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

  for (const c of waiting) {
    if (!agents.some((a) => hasRoom(a.load, c.channel))) continue;
    result.considered++;
    const eligible = agents.filter((a) => couldTake(a, c) && !refused.has(`${c.id}:${a.id}`));
    if (!eligible.length) continue;
    const last = lastAgent.get(c.customer_id);
    const stickyId =
      last && last.ageSeconds <= stickyWindowSeconds(settings, c.channel) && !released.has(`${c.id}:${last.agentId}`) ? last.agentId : null;
    eligible.sort((a, b) => Number(b.id === stickyId) - Number(a.id === stickyId) || a.idleSince - b.idleSince || a.id - b.id);
    const outcome = await offerCase(deps, c, eligible.slice(0, 5), stickyId, opts.routerId);
    if (outcome.contended) result.contended = true;
    if (outcome.offer) {
      result.offered++;
      const a = agents.find((x) => x.id === outcome.offer!.agentId)!;
      a.load.used[c.channel] = (a.load.used[c.channel] ?? 0) + 1;
      if (c.channel === 'voice') a.load.onCall = true;
      const offerId = outcome.offer.offerId;
      // the payload is built from what the pass already read: no extra query between decision and agent
      const payload: OfferPayload = {
        offerId,
        expiresAt: outcome.offer.expiresAt,
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
      await Promise.all([
        emitterOf(deps).emit({ nsp: NAMESPACES.agent, room: rooms.agent(a.id), event: 'offer', payload }),
        scheduleOfferTimeout(deps.queues, offerId, outcome.offer.timeoutMs),
      ]);
    }
    for (const [id, load] of outcome.reloaded) {
      const a = agents.find((x) => x.id === id);
      if (a) a.load = load;
    }
  }
  return result;
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

interface OfferOutcome {
  offer: { offerId: string; agentId: number; timeoutMs: number; expiresAt: string } | null;
  contended: boolean;
  reloaded: Map<number, AgentLoad>;
}

async function offerCase(deps: RoutingDeps, c: WaitingCase, candidates: Candidate[], stickyId: number | null, routerId?: string): Promise<OfferOutcome> {
  const out: OfferOutcome = { offer: null, contended: false, reloaded: new Map() };
  const timeoutMs = offerTimeoutMs(settingsOf(deps), c.channel);
  await withTransaction(deps.db, async (tx) => {
    // Routers claim a case with an advisory lock and pass over one another's claims (no convoy of
    // routers walking the same list). Any other lock on the case row (an enqueue flag, a status
    // change) is waited for, so a briefly locked case is never overtaken by the one behind it.
    // Agents are skipped when locked, so no lock cycle forms.
    const claim = await tx.query(
      `SELECT pg_try_advisory_xact_lock($1::int, $2::int) AS ok`,
      [ROUTER_LOCK_SPACE, c.id % 2_147_483_647],
    );
    if (!claim.rows[0].ok) {
      out.contended = true;
      return;
    }
    const locked = await tx.query(`SELECT id FROM cases WHERE id = $1 AND routing_state = 'waiting' FOR UPDATE`, [c.id]);
    if (!locked.rowCount) return;
    for (const cand of candidates) {
      const a = await tx.query(`SELECT id FROM agents WHERE id = $1 AND presence = 'available' AND active FOR UPDATE SKIP LOCKED`, [cand.id]);
      if (!a.rowCount) {
        out.contended = true;
        continue;
      }
      // the load read under the agent's lock is the one that counts
      const load = await agentLoad(tx, cand.id);
      out.reloaded.set(cand.id, load);
      if (!hasRoom(load, c.channel)) continue;
      // offer, case state and the `offered` event in one round trip
      const o = await tx.query(
        `WITH o AS (
           INSERT INTO offers (case_id, agent_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id, expires_at
         ), c AS (
           UPDATE cases SET routing_state = 'offered', updated_at = now() WHERE id = $1 RETURNING queue_id, channel
         ), e AS (
           INSERT INTO case_events (case_id, type, agent_id, queue_id, channel, data)
           SELECT $1, 'offered', $2, c.queue_id, c.channel,
                  jsonb_build_object('offerId', o.id, 'expiresAt', o.expires_at, 'sticky', $4::boolean) || $5::jsonb
             FROM o, c
         )
         SELECT id, expires_at FROM o`,
        [c.id, cand.id, timeoutMs / 1000, cand.id === stickyId, JSON.stringify(routerId ? { router: routerId } : {})],
      );
      out.offer = { offerId: o.rows[0].id, agentId: cand.id, timeoutMs, expiresAt: new Date(o.rows[0].expires_at).toISOString() };
      return;
    }
  });
  return out;
}
