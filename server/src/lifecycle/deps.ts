import type pg from 'pg';
import type { Server } from 'socket.io';
import type { Log } from '../lib/log.js';
import type { HubQueues } from '../lib/queues.js';
import { queueEmitter, type RealtimeEmitter } from '../realtime/emitter.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing/settings.js';

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
}

export const settingsOf = (d: RoutingDeps): RoutingSettings => d.settings ?? DEFAULT_ROUTING_SETTINGS;
export const emitterOf = (d: RoutingDeps): RealtimeEmitter => d.realtime ?? queueEmitter(d.queues.realtime, d.log);

/** Only a server node has sockets; workers reach them through the agent-sockets queue. */
export type MaybeIo = Server | undefined;
