import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Server } from 'socket.io';
import type { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { NAMESPACES, rooms, type RealtimeEnvelope } from '../contracts/realtime.js';
import { bestEffort } from '../lib/best-effort.js';
import type { Log } from '../lib/log.js';

/**
 * Emits to sockets connected to any node. Never rejects: an event only nudges a UI (which refetches on
 * reconnect), so a failure is logged at warn and the caller's work stands.
 */
export interface RealtimeEmitter {
  emit(e: RealtimeEnvelope): Promise<void>;
  /**
   * Makes an agent's sockets (on any node) join or leave a case room. Only a server node can do it
   * directly; without it the request goes through the agent-sockets queue to one.
   */
  caseRoom?(agentId: number, caseId: number, action: 'join' | 'leave'): Promise<void>;
}

/** On a server node: emit directly; the Redis adapter fans out to the other nodes. */
export function ioEmitter(io: Server, log?: Pick<Log, 'warn'>): RealtimeEmitter {
  return {
    async emit(e) {
      try {
        io.of(e.nsp).to(e.room).emit(e.event, e.payload);
      } catch (err) {
        if (log) log.warn({ err, event: e.event }, 'realtime emit failed');
        else console.warn('realtime emit failed:', err);
      }
    },
    async caseRoom(agentId, caseId, action) {
      const target = io.of(NAMESPACES.agent).in(rooms.agent(agentId));
      if (action === 'join') target.socketsJoin(rooms.case(caseId));
      else target.socketsLeave(rooms.case(caseId));
    },
  };
}

/**
 * Hands the event to the realtime queue; one server node takes it and emits through the adapter. For code
 * that has the queues but no Redis connection of its own (a process's main emitter is `streamEmitter`).
 * Failures only lose a UI nudge, never data.
 */
export function queueEmitter(queue: Queue<RealtimeEnvelope>, log?: Pick<Log, 'warn'>): RealtimeEmitter {
  return {
    async emit(e) {
      await bestEffort(queue.add('emit', e, { removeOnComplete: true, removeOnFail: 100 }), log, `queueing realtime ${e.event}`);
    },
  };
}

/** The Redis Streams adapter as every process configures it, so all of them share one stream per environment. */
export function socketAdapter(redis: Redis, queuePrefix: string) {
  // channelPrefix too: fetchSockets and heartbeats go over pub/sub, which must not cross environments sharing a Redis
  return createAdapter(redis, { streamName: streamNameOf(queuePrefix), channelPrefix: `${queuePrefix}:socket.io` });
}

const streamNameOf = (queuePrefix: string) => `${queuePrefix}:socket.io`;
/** the adapter's default stream length (socketAdapter does not change it) */
const STREAM_MAX_LEN = 10_000;
/** socket.io-adapter's cluster message types and socket.io's EVENT packet type (their wire format) */
const MESSAGE = { broadcast: '3', socketsJoin: '4', socketsLeave: '5' } as const;
const EVENT_PACKET = 2;

/**
 * In a process without sockets (workers, routers): writes each emit as one entry of the sockets' Redis stream,
 * in the cluster-adapter format the server nodes' Redis Streams adapter reads (`uid`, `nsp`, `type`, JSON
 * `data`), so every node delivers it to its own sockets. Write-only: a Socket.IO server in such a process (as
 * before) also read and decoded every entry of the stream, about 1 ms of CPU per routed message per process,
 * for sockets it never has; a queued job for a server node to pick up cost a BullMQ round trip per emit.
 * `realtime-stream-emitter.test.ts` keeps the format honest against the adapter the servers run.
 */
export function streamEmitter(redis: Redis, queuePrefix: string, log?: Pick<Log, 'warn'>): RealtimeEmitter {
  const uid = `emitter-${randomBytes(8).toString('hex')}`;
  const stream = streamNameOf(queuePrefix);
  const add = (nsp: string, type: string, data: unknown, what: string) =>
    bestEffort(redis.xadd(stream, 'MAXLEN', '~', STREAM_MAX_LEN, '*', 'uid', uid, 'nsp', nsp, 'type', type, 'data', JSON.stringify(data)), log, what);
  const opts = (roomList: string[]) => ({ rooms: roomList, except: [], flags: {} });
  return {
    async emit(e) {
      const roomList = Array.isArray(e.room) ? e.room : [e.room];
      await add(e.nsp, MESSAGE.broadcast, { packet: { type: EVENT_PACKET, data: [e.event, e.payload], nsp: e.nsp }, opts: opts(roomList) }, `emitting ${e.event}`);
    },
    async caseRoom(agentId, caseId, action) {
      await add(NAMESPACES.agent, action === 'join' ? MESSAGE.socketsJoin : MESSAGE.socketsLeave, { opts: opts([rooms.agent(agentId)]), rooms: [rooms.case(caseId)] }, `${action === 'join' ? 'joining' : 'leaving'} a case room`);
    },
  };
}
