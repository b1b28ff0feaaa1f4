/**
 * Presence liveness that does not depend on the process holding the socket: each /agent socket has
 * a lease in Redis (a sorted set per agent: member = socket id, score = lease expiry in ms) that the
 * node holding the socket renews every PRESENCE_HEARTBEAT_SECONDS for PRESENCE_LEASE_SECONDS. When
 * a node dies (kill -9, crash, host lost) its leases stop being renewed; any router's sweep then
 * finds agents whose every lease ran out and whose last renewal is more than the presence grace ago,
 * and sets them Offline (offers withdrawn, live work re-routed) through setPresence. A normal
 * disconnect still starts the grace timer at once (routing/agent-socket.ts).
 *
 * Leases live in Redis, so a Redis that lost its data takes them along (and the grace timers of
 * recent disconnects). A router that notices the loss schedules an audit: once live nodes have had
 * time to re-register their sockets (a lease) and recent disconnects their grace, agents Postgres
 * still shows present but who have no lease and no pending disconnect go Offline too.
 */
import type { Redis } from 'ioredis';
import { settingsOf, type RoutingDeps } from './deps.js';
import { setPresence } from './presence.js';
import { DEFAULT_ROUTING_SETTINGS } from '../routing/settings.js';

const key = (prefix: string, agentId: number) => `${prefix}:presence:leases:${agentId}`;
/** When an agent's socket last disconnected (set by routing/agent-socket.ts for the grace period). */
export const lastDisconnectKey = (prefix: string, agentId: number) => `${prefix}:presence:last-disconnect:${agentId}`;
const auditKey = (prefix: string) => `${prefix}:presence:lease-audit-at`;

/** Renews (or takes) the leases of the sockets this node holds, for `ttlMs` from `now`. */
export async function renewLeases(
  redis: Redis,
  prefix: string,
  sockets: { agentId: number; socketId: string }[],
  now = Date.now(),
  ttlMs = DEFAULT_ROUTING_SETTINGS.presenceLeaseMs,
): Promise<void> {
  if (!sockets.length) return;
  const p = redis.pipeline();
  for (const s of sockets) {
    p.zadd(key(prefix, s.agentId), now + ttlMs, s.socketId);
    // the set itself goes away when nobody renews it for an hour
    p.pexpire(key(prefix, s.agentId), 3_600_000);
  }
  await p.exec();
}

export async function dropLease(redis: Redis, prefix: string, agentId: number, socketId: string): Promise<void> {
  await redis.zrem(key(prefix, agentId), socketId);
}

/**
 * Agents (not Offline) whose leases all ran out and were last renewed more than `graceMs` ago:
 * their node died. The node died at most a heartbeat after that renewal, so they go Offline within
 * max(grace, lease) of the node's death (plus one sweep). Agents without any lease record are left
 * alone here (their disconnect, if any, was seen and has its timer; see auditLeaselessAgents).
 */
export async function sweepDeadLeases(deps: RoutingDeps, redis: Redis, prefix: string, graceMs: number, now = Date.now()): Promise<number[]> {
  const ttlMs = settingsOf(deps).presenceLeaseMs;
  const r = await deps.db.query(`SELECT id FROM agents WHERE presence <> 'offline' AND active`);
  const ids = (r.rows as { id: number }[]).map((x) => Number(x.id));
  // one pipeline for every present agent's latest lease: a round trip per agent was a thousand per sweep
  const p = redis.pipeline();
  for (const id of ids) p.zrevrange(key(prefix, id), 0, 0, 'WITHSCORES');
  const replies = (await p.exec()) ?? [];
  const gone: number[] = [];
  for (const [i, id] of ids.entries()) {
    const [err, reply] = replies[i] ?? [null, []];
    if (err) throw err;
    const last = reply as string[];
    if (last.length < 2) continue;
    const expiry = Number(last[1]);
    if (expiry > now || expiry - ttlMs + graceMs > now) continue;
    await setPresence(deps, id, 'offline', 'connection_lost');
    await redis.del(key(prefix, id));
    gone.push(id);
  }
  return gone;
}

/**
 * Called when Redis is found without its data: leases and grace timers went with it. The audit runs
 * after max(grace, lease): by then every live node has renewed its sockets' leases (it does so every
 * heartbeat, which is shorter than the lease) and a disconnect just before the loss has had its grace.
 * The first router to notice sets the time; others keep it.
 */
export async function scheduleLeaseAudit(deps: RoutingDeps, redis: Redis, prefix: string, now = Date.now()): Promise<void> {
  const s = settingsOf(deps);
  await redis.set(auditKey(prefix), String(now + Math.max(s.presenceGraceMs, s.presenceLeaseMs)), 'NX');
}

/**
 * When a scheduled audit is due: agents Postgres shows present who have no lease at all and no
 * disconnect within the grace go Offline ('connection_lost') — their node died while Redis was
 * away, or their disconnect's grace timer was lost with Redis. Returns the agents set Offline.
 */
export async function auditLeaselessAgents(deps: RoutingDeps, redis: Redis, prefix: string, now = Date.now()): Promise<number[]> {
  const due = await redis.get(auditKey(prefix));
  if (due === null || Number(due) > now) return [];
  const r = await deps.db.query(`SELECT id FROM agents WHERE presence <> 'offline' AND active ORDER BY id`);
  const gone: number[] = [];
  for (const { id } of r.rows as { id: number }[]) {
    if ((await redis.zcard(key(prefix, id))) > 0) continue; // a live socket, or a dead node's lease the sweep handles
    if ((await redis.exists(lastDisconnectKey(prefix, id))) > 0) continue; // its grace timer decides
    await setPresence(deps, id, 'offline', 'connection_lost');
    gone.push(id);
  }
  await redis.del(auditKey(prefix));
  return gone;
}
