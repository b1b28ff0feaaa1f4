/**
 * Presence liveness that does not depend on the process holding the socket: each /agent socket has
 * a lease in Redis (a sorted set per agent: member = socket id, score = lease expiry in ms) that the
 * node holding the socket renews every few seconds. When a node dies (kill -9, crash, host lost) its
 * leases stop being renewed; any node's sweep then finds agents whose every lease ran out more than
 * the presence grace ago and sets them Offline (offers withdrawn, live work re-routed) through
 * setPresence. A normal disconnect still starts the grace timer at once (routing/agent-socket.ts).
 */
import type { Redis } from 'ioredis';
import type { RoutingDeps } from './deps.js';
import { setPresence } from './presence.js';

export const LEASE_RENEW_MS = 5_000;
export const LEASE_TTL_MS = 15_000;

const key = (prefix: string, agentId: number) => `${prefix}:presence:leases:${agentId}`;

/** Renews (or takes) the leases of the sockets this node holds. */
export async function renewLeases(redis: Redis, prefix: string, sockets: { agentId: number; socketId: string }[], now = Date.now()): Promise<void> {
  if (!sockets.length) return;
  const p = redis.pipeline();
  for (const s of sockets) {
    p.zadd(key(prefix, s.agentId), now + LEASE_TTL_MS, s.socketId);
    // the set itself goes away when nobody renews it for an hour
    p.pexpire(key(prefix, s.agentId), 3_600_000);
  }
  await p.exec();
}

export async function dropLease(redis: Redis, prefix: string, agentId: number, socketId: string): Promise<void> {
  await redis.zrem(key(prefix, agentId), socketId);
}

/**
 * Agents (not Offline) whose leases all ran out more than `graceMs` ago: their node died. Agents
 * without any lease record are left alone (their disconnect, if any, was seen and has its timer).
 */
export async function sweepDeadLeases(deps: RoutingDeps, redis: Redis, prefix: string, graceMs: number, now = Date.now()): Promise<number[]> {
  const r = await deps.db.query(`SELECT id FROM agents WHERE presence <> 'offline' AND active`);
  const gone: number[] = [];
  for (const { id } of r.rows as { id: number }[]) {
    const last = await redis.zrevrange(key(prefix, id), 0, 0, 'WITHSCORES');
    if (last.length < 2) continue;
    const expiry = Number(last[1]);
    if (expiry + graceMs > now) continue;
    await setPresence(deps, id, 'offline', 'connection_lost');
    await redis.del(key(prefix, id));
    gone.push(id);
  }
  return gone;
}
