import type { DeliveryAttempt, Notification, Offer, PresenceState, TimelineItem } from '../api/types';
import type { AgentServerEvents } from '../../../server/src/contracts/realtime';
import { useCasesStore } from '../stores/cases';
import { useCaseViewStore } from '../stores/case-view';
import { useNotificationsStore } from '../stores/notifications';
import { usePresenceStore } from '../stores/presence';
import { useSessionStore } from '../stores/session';
import { logFailure } from '../../../ui-shared/report';
import { useSoftphoneStore, type CallProgress } from '../voice/softphone-store';
import { useViewsStore } from '../stores/views';
import type { CaseViewersPayload } from '../../../server/src/contracts/realtime';

export interface WorkspaceStores {
  session: ReturnType<typeof useSessionStore>;
  presence: ReturnType<typeof usePresenceStore>;
  cases: ReturnType<typeof useCasesStore>;
  caseView: ReturnType<typeof useCaseViewStore>;
  notifications: ReturnType<typeof useNotificationsStore>;
  softphone: ReturnType<typeof useSoftphoneStore>;
  views: ReturnType<typeof useViewsStore>;
}

export function workspaceStores(): WorkspaceStores {
  return {
    session: useSessionStore(),
    presence: usePresenceStore(),
    cases: useCasesStore(),
    caseView: useCaseViewStore(),
    notifications: useNotificationsStore(),
    softphone: useSoftphoneStore(),
    views: useViewsStore(),
  };
}

type Handler = (payload: never, s: WorkspaceStores) => void;

/**
 * Every server event on the /agent socket and the store that takes it — the only place realtime
 * data enters the UI. The table must have a handler for every event of the server's /agent map
 * (server/src/contracts/realtime.ts AgentServerEvents), each accepting that event's payload type.
 */
export const eventTable = {
  offer: (p: Offer, s) => s.presence.addOffer(p),
  'offer:rescinded': (p: { offerId: string }, s) => s.presence.removeOffer(p.offerId),
  presence: (p: PresenceState, s) => {
    s.presence.apply(p);
    s.presence.synced = true;
  },
  'case:updated': (p: { caseId: number; status?: string; priority?: string; assigneeId?: number | null; routingState?: string; event?: string }, s) => {
    void s.cases.onCaseUpdated(p);
    if (p.caseId === s.caseView.caseId) void s.caseView.refreshCase().catch(logFailure(`refreshing case ${p.caseId}`));
  },
  'interaction:new': (p: { caseId: number; interactionId?: number; customerId?: number; interaction?: TimelineItem }, s) => {
    s.cases.onInteraction(p);
    s.caseView.onInteraction(p);
  },
  'interaction:status': (p: { caseId?: number; interactionId: number; status: string; error?: string | null; attempts?: DeliveryAttempt[] }, s) =>
    s.caseView.onDeliveryStatus(p),
  'queue:updated': (p: { waiting?: number }, s) => {
    if (typeof p.waiting === 'number') s.cases.waiting = p.waiting;
    void s.cases.loadQueue();
  },
  typing: (p: { caseId: number; from?: string; name?: string; typing: boolean }, s) => s.caseView.onTyping(p),
  notification: (p: Notification, s) => s.notifications.add(p),
  'call:updated': (p: CallProgress, s) => s.softphone.onCallUpdated(p, s.session.agent?.id),
  'case:viewers': (p: CaseViewersPayload, s) => s.caseView.onViewers(p),
  'views:changed': (_p: { at: string }, s) => s.views.nudged(),
  // an SLA warning or breach, or a reminder that brought a case back: the lists and the open case show it
  'case:alert': (p: { caseId: number; kind: string }, s) => {
    void s.cases.onCaseUpdated({ caseId: p.caseId });
    if (p.caseId === s.caseView.caseId) void s.caseView.refreshCase().catch(logFailure('refreshing the case after an SLA alert'));
  },
} satisfies { [E in keyof AgentServerEvents]: (p: Parameters<AgentServerEvents[E]>[0], s: WorkspaceStores) => void };

export type ServerEvent = keyof typeof eventTable;
export const SERVER_EVENTS = Object.keys(eventTable) as ServerEvent[];

/** Routes one event to its store; unknown events are ignored (a newer server may send more). */
export function dispatch(event: string, payload: unknown, stores: WorkspaceStores): boolean {
  const handler = (eventTable as Record<string, Handler>)[event];
  if (!handler || payload == null) return false;
  handler(payload as never, stores);
  return true;
}
