import { io, type Socket } from 'socket.io-client';
import type { AgentClientEvents, AgentServerEvents } from '../../../server/src/contracts/realtime';
import { reactive } from 'vue';
import { dispatch, SERVER_EVENTS, workspaceStores } from './event-table';
import { setPresenceDeps } from '../stores/presence';
import { setWatchDeps } from '../stores/case-view';
import { retryTransientRefusals } from './reconnect';

/** Connection state for the header indicator. */
export const connection = reactive({ connected: false, everConnected: false, reconnecting: false });

/** the /agent contract: what the server sends, what we may send */
type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;
let socket: AgentSocket | null = null;
let stopRetries: (() => void) | null = null;
let heartbeat: ReturnType<typeof setInterval> | null = null;
/** how often the open case renews this tab's viewer lease (server: realtime/case-viewers.ts, lease 45 s) */
const VIEWER_HEARTBEAT_MS = 15_000;

/** The client events that answer with an acknowledgement (presence and offers). */
type RequestEvent = 'presence:set' | 'offer:accept' | 'offer:decline';

function request<E extends RequestEvent>(event: E, payload: Parameters<AgentClientEvents[E]>[0], timeoutMs = 8000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!socket?.connected) return reject(new Error('not connected'));
    const timed = socket.timeout(timeoutMs);
    // the three events' argument lists differ; emit's overloads cannot follow a generic event name
    const emit = timed.emit as unknown as (event: RequestEvent, payload: unknown, ack: (err: Error | null, ack: unknown) => void) => void;
    emit.call(timed, event, payload, (err, ack) => (err ? reject(err) : resolve(ack)));
  });
}

/**
 * The one /agent socket of the workspace. Every server event goes through the event table;
 * after a reconnect the stores catch up from the API (offers, my cases, the open case).
 */
export function connectRealtime(): AgentSocket {
  if (socket) return socket;
  const stores = workspaceStores();
  socket = io('/agent', { withCredentials: true, transports: ['websocket'], reconnectionDelay: 500, reconnectionDelayMax: 5000 });
  for (const event of SERVER_EVENTS) socket.on(event, (payload: unknown) => dispatch(event, payload, stores));

  setPresenceDeps({ request });
  setWatchDeps({
    watch: (id) => socket?.emit('case:watch', id),
    unwatch: (id) => socket?.emit('case:unwatch', id),
    typing: (caseId, typing) => socket?.emit('typing', { caseId, typing }),
    chatRead: (caseId, upToId) => socket?.emit('chat:read', { caseId, upToId }),
  });

  heartbeat = setInterval(() => {
    if (stores.caseView.caseId && socket?.connected) socket.emit('case:here', stores.caseView.caseId);
  }, VIEWER_HEARTBEAT_MS);

  socket.on('connect', () => {
    const resumed = connection.everConnected;
    // the router sends a presence snapshot on connect; do not wait for it forever
    stores.presence.synced = false;
    setTimeout(() => (stores.presence.synced = true), 3000);
    connection.connected = true;
    connection.everConnected = true;
    connection.reconnecting = false;
    if (stores.caseView.caseId) socket!.emit('case:watch', stores.caseView.caseId);
    if (resumed) void resume();
  });
  socket.on('disconnect', (reason) => {
    connection.connected = false;
    connection.reconnecting = true;
    // A server shutting down (rolling restart) disconnects us on purpose, and Socket.IO does not
    // retry that by itself: come back to whichever node is up.
    if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), 500 + Math.random() * 1000);
  });
  socket.on('connect_error', () => {
    connection.connected = false;
    connection.reconnecting = true;
  });
  // A refusal because the server could not check the session (database restarting) is retried with
  // backoff until it works; only "not authorised" ends the session.
  stopRetries = retryTransientRefusals(socket, () => {
    stores.session.expire();
    disconnectRealtime();
  });
  return socket;
}

/** Whatever happened while we were away: reload the state the events would have updated. */
export async function resume(): Promise<void> {
  const s = workspaceStores();
  await Promise.allSettled([
    s.session.restore().then(async (ok) => {
      if (ok) await s.presence.refresh();
    }),
    s.presence.resumeOffers(),
    s.cases.loadMine(),
    s.cases.loadQueue(),
    s.caseView.refreshNewest(),
    s.notifications.load(),
    s.views.loadViews(),
  ]);
}

export function disconnectRealtime(): void {
  stopRetries?.();
  stopRetries = null;
  if (heartbeat) clearInterval(heartbeat);
  heartbeat = null;
  socket?.removeAllListeners();
  socket?.disconnect();
  socket = null;
  connection.connected = false;
  connection.reconnecting = false;
  connection.everConnected = false;
}

/** For tests and debugging in the browser console. */
export function currentSocket(): AgentSocket | null {
  return socket;
}
