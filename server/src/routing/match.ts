/**
 * One match pass: walk the waiting cases in queue order (routing priority, then the time the case
 * first entered the queue) and offer each to the best eligible agent. A case nobody can take is
 * skipped, never blocking the ones behind it.
 *
 * Safe with several routers at once: each offer is decided in its own transaction that locks the
 * case row and the agent row with SKIP LOCKED and re-reads the agent's load under that lock, so two
 * routers can neither offer one case twice (also a unique index) nor push an agent past capacity.
 */
import { writeCaseEvent } from '../db/case-events.js';
import { withTransaction } from '../db/pool.js';
import type { Channel } from '../contracts/channels.js';
import { settingsOf, type RoutingDeps } from './deps.js';
import { agentLoad, hasRoom, DEFAULT_CAPACITY, type AgentLoad } from './load.js';
import { offerTimeoutMs, stickyWindowSeconds } from './settings.js';
import { emitOffer, emitPresence } from './notify.js';
import { scheduleOfferTimeout } from './signals.js';

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

  const waiting = (
    await db.query(
      `SELECT id, channel, queue_id, customer_id FROM cases
        WHERE routing_state = 'waiting' ORDER BY routing_priority, first_queued_at, id LIMIT $1`,
      [limit],
    )
  ).rows as WaitingCase[];
  if (!waiting.length) return result;

  const queueSkills = new Map<number, string[]>(
    (await db.query(`SELECT id, required_skills FROM queues`)).rows.map((q) => [q.id, q.required_skills]),
  );
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
    const required = c.queue_id ? (queueSkills.get(c.queue_id) ?? []) : [];
    const eligible = agents.filter(
      (a) =>
        hasRoom(a.load, c.channel) &&
        (c.queue_id == null || a.queueIds.has(c.queue_id)) &&
        required.every((s) => a.skills.includes(s)) &&
        !refused.has(`${c.id}:${a.id}`),
    );
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
      await emitOffer(deps, a.id, outcome.offer.offerId);
      await scheduleOfferTimeout(deps.queues, outcome.offer.offerId, outcome.offer.timeoutMs);
      void emitPresence(deps, a.id);
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
  offer: { offerId: string; agentId: number; timeoutMs: number } | null;
  contended: boolean;
  reloaded: Map<number, AgentLoad>;
}

async function offerCase(deps: RoutingDeps, c: WaitingCase, candidates: Candidate[], stickyId: number | null, routerId?: string): Promise<OfferOutcome> {
  const out: OfferOutcome = { offer: null, contended: false, reloaded: new Map() };
  const timeoutMs = offerTimeoutMs(settingsOf(deps), c.channel);
  await withTransaction(deps.db, async (tx) => {
    const locked = await tx.query(`SELECT id FROM cases WHERE id = $1 AND routing_state = 'waiting' FOR UPDATE SKIP LOCKED`, [c.id]);
    if (!locked.rowCount) {
      out.contended = true;
      return;
    }
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
      const o = await tx.query(
        `INSERT INTO offers (case_id, agent_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id, expires_at`,
        [c.id, cand.id, timeoutMs / 1000],
      );
      await tx.query(`UPDATE cases SET routing_state = 'offered', updated_at = now() WHERE id = $1`, [c.id]);
      await writeCaseEvent(tx, {
        caseId: c.id,
        type: 'offered',
        agentId: cand.id,
        data: { offerId: o.rows[0].id, expiresAt: o.rows[0].expires_at, sticky: cand.id === stickyId, ...(routerId ? { router: routerId } : {}) },
      });
      out.offer = { offerId: o.rows[0].id, agentId: cand.id, timeoutMs };
      return;
    }
  });
  return out;
}
