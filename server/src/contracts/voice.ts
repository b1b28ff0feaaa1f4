// Calls as the agent UI sees them, the browser phone's credentials, live calls as the supervisors' wallboard shows
// them and the monitoring actions on them: TypeBox schemas (the voice routes' schemas) whose Static types the server
// and the agent UI use.
import { Type, type Static } from 'typebox';
import { Nullable, StringEnum } from './vocabulary.js';

export const MONITOR_MODES = ['listen', 'whisper', 'barge'] as const;
/** listen: hears both sides, muted; whisper: speaks to the agent only (coaching); barge: joins the conversation */
export const MonitorModeT = StringEnum(MONITOR_MODES);
export type MonitorMode = (typeof MONITOR_MODES)[number];

export const CallMonitorView = Type.Object({
  supervisorId: Type.Integer(),
  supervisorName: Type.String(),
  mode: MonitorModeT,
  startedAt: Type.String({ format: 'date-time' }),
});
export type CallMonitorView = Static<typeof CallMonitorView>;

export const LiveCallView = Type.Object({
  id: Type.Integer(),
  caseId: Type.Integer(),
  provider: Type.String(),
  direction: Type.String(),
  state: Type.String(),
  customerNumber: Type.String(),
  agentId: Type.Union([Type.Integer(), Type.Null()]),
  agentName: Type.Union([Type.String(), Type.Null()]),
  queueName: Type.Union([Type.String(), Type.Null()]),
  answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** only a call with an agent on it can be monitored */
  monitorable: Type.Boolean(),
  monitors: Type.Array(CallMonitorView),
});
export type LiveCallView = Static<typeof LiveCallView>;

export const MonitorResult = Type.Object({ callId: Type.Integer(), mode: MonitorModeT, legId: Type.String() });
export type MonitorResult = Static<typeof MonitorResult>;

/** A call of a case (click-to-call, the case's calls, a transfer's answer). */
export const CallView = Type.Object({
  id: Type.Integer(),
  callSid: Type.String(),
  caseId: Type.Integer(),
  interactionId: Type.Integer(),
  direction: Type.String(),
  state: Type.String(),
  outcome: Nullable(Type.String()),
  agentId: Nullable(Type.Integer()),
  customerNumber: Type.String(),
  talkSeconds: Nullable(Type.Integer()),
});
export type CallView = Static<typeof CallView>;

/** Where a browser softphone registers when calls come from Asterisk (SIP over WebSocket, the agent's PJSIP endpoint). */
export const SipSettings = Type.Object({
  wsUrl: Type.String(),
  /** sip:agent-<id>@<domain> */
  uri: Type.String(),
  authorizationUser: Type.String(),
  displayName: Type.String(),
});
export type SipSettings = Static<typeof SipSettings>;

/** Browser phone credentials: Twilio's access token, or with Asterisk the SIP password and where to register. */
export const VoiceToken = Type.Object({
  /** Twilio: the access token; SIP: the agent's SIP password */
  token: Type.String(),
  identity: Type.String(),
  ttlSeconds: Type.Integer(),
  /** present when calls come from Asterisk: where the browser registers */
  sip: Type.Optional(SipSettings),
});
export type VoiceToken = Static<typeof VoiceToken>;
