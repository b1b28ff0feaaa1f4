import type pg from 'pg';
import type { Server } from 'socket.io';
import type { Log } from '../lib/log.js';
import type { HubQueues } from '../lib/queues.js';
import { queueEmitter, type RealtimeEmitter } from '../realtime/emitter.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing/settings.js';
import type { Channel } from '../contracts/vocabulary.js';
import type { InlineAssigned } from '../channels/types.js';

export type RoutingQueues = Pick<HubQueues, 'routing' | 'routerEvents' | 'lifecycle' | 'realtime' | 'agentSockets' | 'kv'> &
  Partial<Pick<HubQueues, 'customerNotices'>>;

/**
 * What routing and case-lifecycle functions need. Works the same on a server node (pass `realtime`
 * = app.realtime) and in a worker (pass its stream emitter; without one, events travel through the realtime queue).
 */
export interface RoutingDeps {
  db: pg.Pool;
  queues: RoutingQueues;
  realtime?: RealtimeEmitter;
  settings?: RoutingSettings;
  log?: Log;
  /**
   * A channel's realtime-only assignment work (its adapter's onAssignedInline: channels/index.ts inlineAssignedFor),
   * run after commit by this process instead of a lifecycle job. Without it, and for channels with none, the job.
   */
  inlineAssigned?: (channel: Channel) => InlineAssigned | undefined;
}

export const settingsOf = (d: RoutingDeps): RoutingSettings => d.settings ?? DEFAULT_ROUTING_SETTINGS;
export const emitterOf = (d: RoutingDeps): RealtimeEmitter => d.realtime ?? queueEmitter(d.queues.realtime, d.log);

/** Only a server node has sockets; workers reach them through the agent-sockets queue. */
export type MaybeIo = Server | undefined;
