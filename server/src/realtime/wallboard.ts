import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queryable } from '../db/pool.js';
import { NAMESPACES, rooms, type AgentStats, type QueueStats } from '../contracts/realtime.js';
import { agentStatsSince, queueStats } from '../routing/stats.js';
import { nextWatermark } from '../db/xmin-watermark.js';
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

/** Each publishing process reads agents changed since its own last read; all of them now and then. */
interface AgentWatermark {
  since: number | null;
  fullAt: number;
}
const watermarks = new WeakMap<object, AgentWatermark>();
/** A full read bounds what a transaction id wrap-around or a deleted agent could leave on the screens. */
const FULL_READ_MS = 10_000;
/** `queue:updated` goes to every agent's socket: under a steady stream of arrivals, at most this often. */
export const WAITING_NUDGE_MS = 2_000;

/**
 * Pushes to supervisors only what changed since the last push (by any router): the queue list when a
 * queue's figures other than its ticking wait changed, and the agents whose figures changed, one short
 * digest per agent kept in a Redis hash to compare with. Only agents whose rows were written since this
 * process's last read are read and compared (routing/stats.ts agentStatsSince), so a push costs in
 * proportion to what changed, not to the number of agents. An idle wallboard receives nothing; a screen
 * that connects gets the whole lists from the server node (routing/agent-socket.ts), then these deltas.
 * Agents' queue views are told when the number of waiting cases changes.
 */
export async function publishWallboard(deps: WallboardDeps): Promise<WallboardPush> {
  const { kv, prefix, realtime } = deps;
  let mark = watermarks.get(deps.db);
  if (!mark) watermarks.set(deps.db, (mark = { since: null, fullAt: 0 }));
  const full = mark.since == null || Date.now() - mark.fullAt > FULL_READ_MS;
  const [qs, as] = await Promise.all([queueStats(deps.db), agentStatsSince(deps.db, full ? null : mark.since)]);
  const at = new Date().toISOString();

  const waiting = String(qs.reduce((n, q) => n + q.waiting + q.offered, 0));
  if ((await kv.get(`${prefix}:router:waiting-last`)) !== waiting) {
    // the first change after a quiet spell goes at once; a later one waits for the next tick after the gap
    if ((await kv.set(`${prefix}:router:waiting-nudge`, '1', 'PX', WAITING_NUDGE_MS, 'NX')) === 'OK') {
      await kv.set(`${prefix}:router:waiting-last`, waiting);
      await realtime.emit({ nsp: NAMESPACES.agent, room: rooms.allAgents, event: 'queue:updated', payload: { waiting: Number(waiting) } });
    }
  }

  const qk = queueKey(qs);
  const queuesChanged = (await kv.getset(`${prefix}:router:stats-queues`, qk)) !== qk;
  if (queuesChanged) await realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'stats:queues', payload: { at, queues: qs } });

  const hashKey = `${prefix}:router:stats-agents`;
  const ids = as.agents.map((a) => String(a.agentId));
  const now = new Map(as.agents.map((a) => [String(a.agentId), digest(a)]));
  let changed: AgentStats[];
  let removed: string[];
  if (full) {
    const before = await kv.hgetall(hashKey);
    changed = as.agents.filter((a) => before[String(a.agentId)] !== now.get(String(a.agentId)));
    removed = Object.keys(before).filter((id) => !now.has(id));
  } else {
    const before = ids.length ? await kv.hmget(hashKey, ...ids) : [];
    changed = as.agents.filter((a, i) => before[i] !== now.get(String(a.agentId)));
    const gone = as.deactivated.map(String);
    const shown = gone.length ? await kv.hmget(hashKey, ...gone) : [];
    removed = gone.filter((_, i) => shown[i] != null);
  }
  if (changed.length || removed.length) {
    const m = kv.multi();
    if (changed.length) m.hset(hashKey, Object.fromEntries(changed.map((a) => [String(a.agentId), now.get(String(a.agentId))!])));
    if (removed.length) m.hdel(hashKey, ...removed);
    await m.exec();
    await realtime.emit({ nsp: NAMESPACES.supervisor, room: rooms.supervisors, event: 'stats:agents:delta', payload: { at, changed, removed: removed.map(Number) } });
  }
  // only once pushed: a failure above leaves the watermark where it was, so the next push reads these again
  mark.since = nextWatermark(mark.since, as.since, full);
  if (full) mark.fullAt = Date.now();
  return { queues: queuesChanged, changedAgents: changed.length, removedAgents: removed.length };
}
