import type { Queryable } from '../db/pool.js';
import type { PresencePayload } from '../contracts/realtime.js';
import type { Presence } from '../contracts/vocabulary.js';

export const DEFAULT_CAPACITY: Record<string, number> = { voice: 1, chat: 3, sms: 5, email: 5, portal: 5, api: 5 };

export interface AgentLoad {
  capacity: Record<string, number>;
  /** Cases held (new/open/pending) plus offers in flight, per channel. */
  used: Record<string, number>;
  /** A voice case held or offered excludes every other new offer. */
  onCall: boolean;
}

/** Load of one agent, read fresh (call it after locking the agent row to decide on capacity). */
export async function agentLoad(db: Queryable, agentId: number): Promise<AgentLoad> {
  const r = await db.query(
    `SELECT a.capacity,
            COALESCE((SELECT jsonb_object_agg(ch, n) FROM (
               SELECT channel AS ch, count(*) AS n FROM (
                 SELECT c.channel FROM cases c WHERE c.assignee_id = a.id AND c.status IN ('new', 'open', 'pending')
                 UNION ALL
                 SELECT c.channel FROM offers o JOIN cases c ON c.id = o.case_id WHERE o.agent_id = a.id AND o.status = 'pending'
               ) x GROUP BY channel) y), '{}'::jsonb) AS used
       FROM agents a WHERE a.id = $1`,
    [agentId],
  );
  const row = r.rows[0] ?? { capacity: DEFAULT_CAPACITY, used: {} };
  const used = Object.fromEntries(Object.entries(row.used as Record<string, unknown>).map(([k, v]) => [k, Number(v)]));
  return { capacity: { ...DEFAULT_CAPACITY, ...(row.capacity ?? {}) }, used, onCall: (used.voice ?? 0) > 0 };
}

/** Whether one more case of `channel` fits: per-channel capacity, and nothing new while on a call. */
export function hasRoom(load: AgentLoad, channel: string): boolean {
  if (load.onCall) return false;
  return (load.used[channel] ?? 0) < (load.capacity[channel] ?? 0);
}

/** Busy = on a call or some channel with capacity is full. */
export function isBusy(load: AgentLoad): boolean {
  if (load.onCall) return true;
  return Object.entries(load.capacity).some(([ch, cap]) => cap > 0 && (load.used[ch] ?? 0) >= cap);
}

export function loadView(load: AgentLoad): Record<string, string> {
  return Object.fromEntries(Object.entries(load.capacity).map(([ch, cap]) => [ch, `${load.used[ch] ?? 0}/${cap}`]));
}

export async function presencePayload(db: Queryable, agentId: number): Promise<PresencePayload> {
  const [p, load] = await Promise.all([
    db.query(`SELECT presence FROM agents WHERE id = $1`, [agentId]),
    agentLoad(db, agentId),
  ]);
  return { presence: (p.rows[0]?.presence ?? 'offline') as Presence, busy: isBusy(load), load: loadView(load) };
}
