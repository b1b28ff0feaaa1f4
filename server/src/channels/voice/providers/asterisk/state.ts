import type { Queryable } from '../../../../db/pool.js';
import type { CallRow } from '../../calls.js';

/** An answered agent leg in the call's bridge: who, and since when (their talk time). */
export interface AgentLeg {
  agentId: number;
  answeredAt: string;
  role: 'agent' | 'warm' | 'barge' | 'c2c-agent';
}

/**
 * What the hub keeps about an Asterisk call in `calls.provider_state`, enough for any node to pick the call up
 * after a restart: the bridge, the agent leg ringing, the agent legs answered, the recordings, supervisors' legs.
 */
export interface AsteriskCallState {
  bridgeId?: string;
  recording?: string | null;
  ringing?: { channelId: string; agentId: number; role: 'agent' | 'warm' } | null;
  legs?: Record<string, AgentLeg>;
  /** when the caller last heard their position (null = not yet) */
  lastPositionAt?: string | null;
  voicemail?: string | null;
  /** the menu finished playing at (the menu's timeout runs from here); the menu playback while it plays */
  menuAt?: string | null;
  menuPlayback?: string | null;
  /** supervisor leg id → its snoop channel and mode */
  monitors?: Record<string, { supervisorId: number; snoopId: string | null; mode: string }>;
  /** click-to-call: the agent's leg (the customer's leg is the call's call_sid) */
  outboundAgentLeg?: string;
  /** a cold transfer in progress: the agent leg it cuts off must not end the call */
  releasedLegs?: string[];
}

export function stateOf(call: Pick<CallRow, 'provider_state'>): AsteriskCallState {
  return (call.provider_state ?? {}) as AsteriskCallState;
}

/** Merges top-level keys into the call's provider state. */
export async function patchState(db: Queryable, callId: number, patch: Partial<AsteriskCallState>): Promise<void> {
  await db.query(`UPDATE calls SET provider_state = provider_state || $2::jsonb, updated_at = now() WHERE id = $1`, [callId, JSON.stringify(patch)]);
}

export async function addLeg(db: Queryable, callId: number, legId: string, leg: AgentLeg): Promise<void> {
  await db.query(
    `UPDATE calls SET provider_state = jsonb_set(provider_state || jsonb_build_object('legs', COALESCE(provider_state->'legs', '{}'::jsonb)), ARRAY['legs', $2::text], $3::jsonb),
            updated_at = now() WHERE id = $1`,
    [callId, legId, JSON.stringify(leg)],
  );
}

/** Removes an agent leg; returns it if it was there (so its talk time is counted once). */
export async function takeLeg(db: Queryable, callId: number, legId: string): Promise<AgentLeg | null> {
  const r = await db.query(
    `UPDATE calls c SET provider_state = c.provider_state #- ARRAY['legs', $2::text], updated_at = now()
       FROM (SELECT id, provider_state->'legs'->$2::text AS leg FROM calls WHERE id = $1 FOR UPDATE) o
      WHERE c.id = o.id AND o.leg IS NOT NULL RETURNING o.leg`,
    [callId, legId],
  );
  return (r.rows[0]?.leg as AgentLeg) ?? null;
}

export async function addMonitor(db: Queryable, callId: number, legId: string, m: { supervisorId: number; snoopId: string | null; mode: string }): Promise<void> {
  await db.query(
    `UPDATE calls SET provider_state = jsonb_set(provider_state || jsonb_build_object('monitors', COALESCE(provider_state->'monitors', '{}'::jsonb)), ARRAY['monitors', $2::text], $3::jsonb),
            updated_at = now() WHERE id = $1`,
    [callId, legId, JSON.stringify(m)],
  );
}

export async function dropMonitor(db: Queryable, callId: number, legId: string): Promise<void> {
  await db.query(`UPDATE calls SET provider_state = provider_state #- ARRAY['monitors', $2::text], updated_at = now() WHERE id = $1`, [callId, legId]);
}
