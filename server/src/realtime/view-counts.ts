/**
 * The views' sidebar counts follow case changes live without a recount per change: every `case:updated`
 * (and every new case) nudges, and each process sends at most one `views:changed` to all agents per
 * `VIEWS_NUDGE_MS` — the first change at once, a burst after it once at the end of the window. Clients
 * then refetch their counts (themselves throttled), one cheap capped query each.
 */
import { NAMESPACES, rooms } from '../contracts/realtime.js';
import type { RealtimeEmitter } from './emitter.js';

/**
 * The agent UI refetches its counts at most every 3 s however many nudges arrive (stores/views.ts), so a
 * process nudging more often only costs a broadcast: with 1,000 agents each nudge is 1,000 socket writes
 * on every server node, and at 1 s each of the server, worker and router processes sent one per second
 * under load. A quiet hub still nudges at once (the first change of a window).
 */
export const VIEWS_NUDGE_MS = 3000;

// one window per process (a worker builds a fresh emitter per call, so the emitter cannot key it); the
// latest emitter sends
const st: { last: number; timer: ReturnType<typeof setTimeout> | null; rt: RealtimeEmitter | null } = { last: 0, timer: null, rt: null };

export function nudgeViewCounts(rt: RealtimeEmitter): void {
  st.rt = rt;
  if (st.timer) return;
  const send = () => {
    st.timer = null;
    st.last = Date.now();
    void st.rt?.emit({ nsp: NAMESPACES.agent, room: rooms.allAgents, event: 'views:changed', payload: { at: new Date().toISOString() } });
  };
  const wait = st.last + VIEWS_NUDGE_MS - Date.now();
  if (wait <= 0) send();
  else {
    st.timer = setTimeout(send, wait);
    // a pending nudge never keeps a process alive at shutdown
    st.timer.unref?.();
  }
}

/**
 * A process closing its sockets drops the nudge still waiting for its window: sent after the close it would
 * go to a Redis connection already ended (a UI refetches its counts when it reconnects anyway).
 */
export function cancelViewNudges(): void {
  if (st.timer) clearTimeout(st.timer);
  st.timer = null;
  st.rt = null;
}
