import type { Queue } from 'bullmq';
import type { Server } from 'socket.io';
import type { RealtimeEnvelope } from '../contracts/realtime.js';

/** Emits to sockets connected to any node. */
export interface RealtimeEmitter {
  emit(e: RealtimeEnvelope): Promise<void>;
}

/** On a server node: emit directly; the Redis adapter fans out to the other nodes. */
export function ioEmitter(io: Server): RealtimeEmitter {
  return {
    async emit(e) {
      io.of(e.nsp).to(e.room).emit(e.event, e.payload);
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
