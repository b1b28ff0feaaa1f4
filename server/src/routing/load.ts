import type { Queryable } from '../db/pool.js';
import type { PresencePayload } from '../contracts/realtime.js';
import type { Presence } from '../contracts/vocabulary.js';
import { namedStatement, runNamed } from '../db/named.js';

export const DEFAULT_CAPACITY: Record<string, number> = { voice: 1, chat: 3, sms: 5, email: 5, portal: 5, api: 5 };

export interface AgentLoad {
  capacity: Record<string, number>;
  /** Cases held (new/open/pending) plus offers in flight, per channel. */
  used: Record<string, number>;
  /** A voice case held or offered excludes every other new offer. */
  onCall: boolean;
}

/** The load an `agent_routing` row describes: its `used` (jsonb numbers) as counts, its capacity with the defaults filled in. */
export function loadOfRow(row: { capacity?: Record<string, number> | null; used?: Record<string, unknown> | null } | undefined): AgentLoad {
  const used = Object.fromEntries(Object.entries(row?.used ?? {}).map(([k, v]) => [k, Number(v)]));
  return { capacity: { ...DEFAULT_CAPACITY, ...(row?.capacity ?? {}) }, used, onCall: (used.voice ?? 0) > 0 };
}

/**
 * Load of one agent from the incrementally kept matching state (`agent_routing`, migration 0901).
 * `lock`: take the agent's routing-row lock, so a capacity decision cannot race an offer (inside a transaction).
 */
export async function agentLoad(db: Queryable, agentId: number, opts: { lock?: boolean } = {}): Promise<AgentLoad> {
  const r = await db.query(`SELECT capacity, used FROM agent_routing WHERE agent_id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [agentId]);
  return loadOfRow(r.rows[0]);
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

/** The agent's columns a `presence` event is made of: `agents` joined with its `agent_routing` row. */
export interface PresenceRow {
  presence?: string | null;
  break_reason_id?: string | number | null;
  wrap_up_until?: Date | string | null;
  capacity?: Record<string, number> | null;
  used?: Record<string, unknown> | null;
}

/** The `presence` event of an agent's row (a missing agent reads as Offline, a missing routing row as no load). */
export function presenceOfRow(row: PresenceRow | undefined): PresencePayload {
  const load = loadOfRow(row);
  return {
    presence: (row?.presence ?? 'offline') as Presence,
    busy: isBusy(load),
    load: loadView(load),
    breakReasonId: row?.break_reason_id == null ? null : Number(row.break_reason_id),
    wrapUpUntil: row?.wrap_up_until ? new Date(row.wrap_up_until).toISOString() : null,
  };
}

// read after every accept, solve and presence change to tell the agent's screens
const PRESENCE_OF_AGENT = namedStatement(
  'presence-of-agent',
  `SELECT a.presence, a.break_reason_id, a.wrap_up_until, ar.capacity, ar.used FROM agents a LEFT JOIN agent_routing ar ON ar.agent_id = a.id WHERE a.id = $1`,
);

export async function presencePayload(db: Queryable, agentId: number): Promise<PresencePayload> {
  const r = await runNamed(db, PRESENCE_OF_AGENT, [agentId]);
  return presenceOfRow(r.rows[0]);
}
