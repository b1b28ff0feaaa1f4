/**
 * Who has a case open, for collision detection. Presence lives in Redis, shared by every node: one sorted
 * set per case whose members are the viewing sockets (agent id, name, socket id) scored by when their lease
 * ends. A socket renews its lease while the case is on screen (`case:here`); leaving the case or
 * disconnecting removes it, and a node that crashed removes nothing — its sockets' leases simply run out,
 * so no ghost outlives `VIEWER_TTL_MS`.
 */
import type { Redis } from 'ioredis';
import type { CaseViewer } from '../contracts/realtime.js';

export const VIEWER_TTL_MS = 45_000;
/** how often an open case view renews its lease (the agent UI's timer) */
export const VIEWER_HEARTBEAT_MS = 15_000;

const key = (prefix: string, caseId: number) => `${prefix}:case-viewers:${caseId}`;
const member = (v: CaseViewer & { socketId: string }) => JSON.stringify([v.agentId, v.name, v.socketId]);

export interface ViewerStore {
  redis: Redis;
  prefix: string;
  now?: () => number;
}

/**
 * Starts or renews a socket's lease on a case. `changed`: the list others see is different (a new viewer,
 * or expired ones were dropped) and is worth telling the case room.
 */
export async function touchViewer(s: ViewerStore, caseId: number, v: CaseViewer & { socketId: string }): Promise<{ changed: boolean; viewers: CaseViewer[] }> {
  const now = s.now?.() ?? Date.now();
  const k = key(s.prefix, caseId);
  const before = await s.redis.multi().zremrangebyscore(k, '-inf', now).zadd(k, now + VIEWER_TTL_MS, member(v)).pexpire(k, VIEWER_TTL_MS).exec();
  const dropped = Number(before?.[0]?.[1] ?? 0);
  const added = Number(before?.[1]?.[1] ?? 0);
  const viewers = await listViewers(s, caseId);
  return { changed: dropped > 0 || added > 0, viewers };
}

export async function removeViewer(s: ViewerStore, caseId: number, v: CaseViewer & { socketId: string }): Promise<CaseViewer[]> {
  await s.redis.zrem(key(s.prefix, caseId), member(v));
  return listViewers(s, caseId);
}

/** Live viewers of a case, one entry per agent (an agent with two tabs open is one face). */
export async function listViewers(s: ViewerStore, caseId: number): Promise<CaseViewer[]> {
  const now = s.now?.() ?? Date.now();
  const raw = await s.redis.zrangebyscore(key(s.prefix, caseId), `(${now}`, '+inf');
  const byAgent = new Map<number, CaseViewer>();
  for (const m of raw) {
    // a member not in this shape (written by another version) is skipped: it expires with the set
    const parsed = parseViewer(m);
    if (parsed && !byAgent.has(parsed.agentId)) byAgent.set(parsed.agentId, parsed);
  }
  return [...byAgent.values()].sort((a, b) => a.agentId - b.agentId);
}

function parseViewer(member: string): CaseViewer | null {
  const v: unknown = JSON.parse(member.startsWith('[') ? member : 'null');
  return Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string' ? { agentId: v[0], name: v[1] } : null;
}
