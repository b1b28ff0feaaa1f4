import type { Queue } from 'bullmq';
import type { Server } from 'socket.io';
import { NAMESPACES, rooms, type RealtimeEnvelope } from '../contracts/realtime.js';

/** Emits to sockets connected to any node. */
export interface RealtimeEmitter {
  emit(e: RealtimeEnvelope): Promise<void>;
  /**
   * Makes an agent's sockets (on any node) join or leave a case room. Only a server node can do it
   * directly; without it the request goes through the agent-sockets queue to one.
   */
  caseRoom?(agentId: number, caseId: number, action: 'join' | 'leave'): Promise<void>;
}

/** On a server node: emit directly; the Redis adapter fans out to the other nodes. */
export function ioEmitter(io: Server): RealtimeEmitter {
  return {
    async emit(e) {
      io.of(e.nsp).to(e.room).emit(e.event, e.payload);
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
export function queueEmitter(queue: Queue<RealtimeEnvelope>): RealtimeEmitter {
  return {
    async emit(e) {
      await queue.add('emit', e, { removeOnComplete: true, removeOnFail: 100 }).catch(() => {});
    },
  };
}
