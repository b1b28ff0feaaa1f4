import type { Queue } from 'bullmq';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
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
 * In a worker process (no sockets): hand the event to the realtime queue; one server
 * node takes it and emits through the adapter. Failures only lose a UI nudge, never data.
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
  return createAdapter(redis, { streamName: `${queuePrefix}:socket.io`, channelPrefix: `${queuePrefix}:socket.io` });
}

/**
 * In a process without sockets that emits a lot (the router): a Socket.IO server with no HTTP listener,
 * on the same Redis Streams adapter as the server nodes, so an emit is one stream entry that every node
 * delivers to its own sockets — no job for a server node to pick up first.
 */
export function adapterEmitter(redis: Redis, queuePrefix: string, log?: Pick<Log, 'warn'>): RealtimeEmitter & { close(): Promise<void> } {
  // attached to an HTTP server that never listens: Socket.IO's close() expects an engine to close
  const io = new Server(createServer(), { adapter: socketAdapter(redis, queuePrefix), serveClient: false });
  const direct = ioEmitter(io, log);
  return {
    ...direct,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
