import type { Queue } from 'bullmq';
import type { Server } from 'socket.io';
import type { RealtimeEnvelope } from '../contracts/realtime.js';
import { bestEffort } from '../lib/best-effort.js';
import type { Log } from '../lib/log.js';

/**
 * Emits to sockets connected to any node. Never rejects: an event only nudges a UI (which refetches on
 * reconnect), so a failure is logged at warn and the caller's work stands.
 */
export interface RealtimeEmitter {
  emit(e: RealtimeEnvelope): Promise<void>;
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
