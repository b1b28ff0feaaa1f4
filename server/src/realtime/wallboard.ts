import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queryable } from '../db/pool.js';
import { NAMESPACES, rooms, type AgentStats, type QueueStats } from '../contracts/realtime.js';
import { agentStats, queueStats } from '../routing/stats.js';
import type { RealtimeEmitter } from './emitter.js';

export interface WallboardDeps {
  db: Queryable;
  realtime: RealtimeEmitter;
  /** where the last pushed figures are kept, shared by every router (any of them may push next) */
  kv: Redis;
  prefix: string;
}

export interface WallboardPush {
  queues: boolean;
  changedAgents: number;
  removedAgents: number;
}

/** What a queue's row shows apart from the ticking wait: a change here is worth a push. */
const queueKey = (qs: QueueStats[]) => JSON.stringify(qs.map(({ oldestWaitingSeconds: _ticking, ...q }) => q));
const digest = (a: AgentStats) => createHash('sha1').update(JSON.stringify(a)).digest('base64').slice(0, 16);

/**
 * Pushes to supervisors only what changed since the last push (by any router): the queue list when a
 * queue's figures other than its ticking wait changed, and the agents whose figures changed, one short
 * digest per agent kept in a Redis hash to compare with. An idle wallboard receives nothing; a screen that
 * connects gets the whole lists from the server node (routing/agent-socket.ts), then these deltas.
 * Agents' queue views are told when the number of waiting cases changes.
 */
export async function publishWallboard(deps: WallboardDeps): Promise<WallboardPush> {
  const { kv, prefix, realtime } = deps;
  const [qs, as] = await Promise.all([queueStats(deps.db), agentStats(deps.db)]);
  const at = new Date().toISOString();

  const waiting = String(qs.reduce((n, q) => n + q.waiting + q.offered, 0));
  if ((await kv.getset(`${prefix}:router:waiting-last`, waiting)) !== waiting) {
    await realtime.emit({ nsp: NAMESPACES.agent, room: rooms.allAgents, event: 'queue:updated', payload: { waiting: Number(waiting) } });
  }

  const qk = queueKey(qs);
  const queuesChanged = (await kv.getset(`${prefix}:router:stats-queues`, qk)) !== qk;
  if (queuesChanged) await realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'stats:queues', payload: { at, queues: qs } });

  const hashKey = `${prefix}:router:stats-agents`;
  const before = await kv.hgetall(hashKey);
  const now = new Map(as.map((a) => [String(a.agentId), digest(a)]));
  const changed = as.filter((a) => before[String(a.agentId)] !== now.get(String(a.agentId)));
  const removed = Object.keys(before).filter((id) => !now.has(id));
  if (changed.length || removed.length) {
    const m = kv.multi();
    if (changed.length) m.hset(hashKey, Object.fromEntries(changed.map((a) => [String(a.agentId), now.get(String(a.agentId))!])));
    if (removed.length) m.hdel(hashKey, ...removed);
    await m.exec();
    await realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'stats:agents:delta', payload: { at, changed, removed: removed.map(Number) } });
  }
  return { queues: queuesChanged, changedAgents: changed.length, removedAgents: removed.length };
}
