// The shapes the workspace reads are the server's response schemas (server/src/contracts/views.ts) and
// realtime contracts (server/src/contracts/realtime.ts); this module only gathers them for the UI.
// Nothing here is a copy: change a schema and vue-tsc checks every component against it.
import type { OfferPayload, PresencePayload } from '../../../server/src/contracts/realtime';

export {
  CHANNELS,
  CASE_STATUSES as STATUSES,
  CASE_PRIORITIES as PRIORITIES,
  CASE_TYPES as TYPES,
} from '../../../server/src/contracts/vocabulary';
export type { Channel, Presence, CaseStatus, CasePriority, CaseType, AgentNoticeKind, CustomerNoticeEvent } from '../../../server/src/contracts/vocabulary';
export type {
  AgentView as Agent,
  AgentRef,
  QueueRef,
  CaseView,
  CaseLink,
  TimelineAttachment,
  TimelineItem,
  TimelinePage,
  DeliveryAttempt,
  CustomerProfile,
  SearchResults,
  CannedResponse,
  Notification,
  KbArticle,
  ReplyBody,
} from '../../../server/src/contracts/views';

/** An offer pushed by the router. */
export type Offer = OfferPayload & {
  /** set by the UI when the offer arrives: the countdown bar's full length */
  receivedAt?: number;
};

/** presence plus load per channel as "used/capacity" */
export type PresenceState = PresencePayload;

export type {
  CaseFilter,
  CaseSort,
  CaseViewEntry,
  BulkAction,
  BulkResult,
  Macro,
  MacroAction,
  MacroBody,
  ReplyConflict,
  SlaState,
} from '../../../server/src/contracts/case-views';
export { CASE_SORTS, SLA_STATES, BUILTIN_VIEW_KEYS, VIEW_COUNT_CAP } from '../../../server/src/contracts/case-views';
export type { CaseViewer } from '../../../server/src/contracts/realtime';
export type { SlaClockView, SlaPolicyView, SlaPolicyBody, SlaMetRow, SlaBreachRow, SlaMetric, CaseAlertPayload } from '../../../server/src/contracts/sla';
export { SLA_METRICS } from '../../../server/src/contracts/sla';
