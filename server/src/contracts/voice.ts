// Live calls as the supervisors' wallboard shows them, and the monitoring actions on them: TypeBox schemas (the
// voice routes' schemas) whose Static types the server and the agent UI use.
import { Type, type Static } from 'typebox';
import { StringEnum } from './vocabulary.js';

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
