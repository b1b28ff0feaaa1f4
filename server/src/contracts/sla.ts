// SLA policies, clocks and alerts as TypeBox schemas: the admin API's bodies and views, the case view's
// clocks and the `case:alert` socket payload. The Static types are the types server and UIs use.
import { Type, type Static } from 'typebox';
import { CasePriorityT, CaseTypeT, ChannelT, CustomerTierT, StringEnum, Nullable } from './vocabulary.js';

const Time = Type.String({ format: 'date-time' });

export const SLA_METRICS = ['first_response', 'next_response', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];
export const SlaMetricT = StringEnum(SLA_METRICS);

/** Every listed condition must hold; an absent or empty list matches every case. */
export const SlaConditions = Type.Object(
  {
    queueIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100 })),
    channels: Type.Optional(Type.Array(ChannelT, { maxItems: 6 })),
    priorities: Type.Optional(Type.Array(CasePriorityT, { maxItems: 4 })),
    tiers: Type.Optional(Type.Array(CustomerTierT, { maxItems: 2 })),
    types: Type.Optional(Type.Array(CaseTypeT, { maxItems: 7 })),
  },
  { additionalProperties: false },
);
export type SlaConditions = Static<typeof SlaConditions>;

/** What a breach does besides being recorded. */
export const SlaEscalation = Type.Object(
  {
    /** one step up: low → normal → high → urgent */
    raisePriority: Type.Optional(Type.Boolean()),
    /** move the case to this queue (it waits there, keeping its place in line) */
    toQueueId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    /** give the case to its queue's team lead */
    toTeamLead: Type.Optional(Type.Boolean()),
    notifySupervisors: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SlaEscalation = Static<typeof SlaEscalation>;

const Minutes = Type.Integer({ minimum: 1, maximum: 525_600 });

export const SlaPolicyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  enabled: Type.Optional(Type.Boolean()),
  conditions: Type.Optional(SlaConditions),
  firstResponseMinutes: Type.Optional(Nullable(Minutes)),
  nextResponseMinutes: Type.Optional(Nullable(Minutes)),
  resolutionMinutes: Type.Optional(Nullable(Minutes)),
  businessTime: Type.Optional(Type.Boolean()),
  warnPercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })),
  escalation: Type.Optional(SlaEscalation),
});
export type SlaPolicyBody = Static<typeof SlaPolicyBody>;

export const SlaPolicyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  position: Type.Integer(),
  enabled: Type.Boolean(),
  conditions: SlaConditions,
  firstResponseMinutes: Nullable(Type.Integer()),
  nextResponseMinutes: Nullable(Type.Integer()),
  resolutionMinutes: Nullable(Type.Integer()),
  businessTime: Type.Boolean(),
  warnPercent: Type.Integer(),
  escalation: SlaEscalation,
  updatedAt: Time,
});
export type SlaPolicyView = Static<typeof SlaPolicyView>;

/** One SLA clock of a case as the case view shows it. */
export const SlaClockView = Type.Object({
  metric: SlaMetricT,
  policyId: Nullable(Type.Integer()),
  policyName: Nullable(Type.String()),
  businessTime: Type.Boolean(),
  targetMinutes: Type.Integer(),
  startedAt: Time,
  /** null while paused (pending on the customer) */
  warnAt: Nullable(Time),
  dueAt: Nullable(Time),
  paused: Type.Boolean(),
  warnedAt: Nullable(Time),
  breachedAt: Nullable(Time),
  metAt: Nullable(Time),
  /** open business minutes left until due, at the time of the answer (negative: overdue) */
  businessMinutesLeft: Nullable(Type.Number()),
});
export type SlaClockView = Static<typeof SlaClockView>;

export const CASE_ALERT_KINDS = ['sla_warning', 'sla_breach', 'reminder_due'] as const;
export type CaseAlertKind = (typeof CASE_ALERT_KINDS)[number];

/** `case:alert` on /agent: to the assignee and, for SLA alerts, to supervisors. */
export interface CaseAlertPayload {
  kind: CaseAlertKind;
  caseId: number;
  number: number;
  subject: string;
  metric: SlaMetric | null;
  dueAt: string | null;
  at: string;
}

/** "SLA met %" for one policy, queue or agent and one clock, over the clocks decided in the window. */
export const SlaMetRow = Type.Object({
  /** policy, queue or agent id; null: the built-in policy, no queue, nobody assigned */
  id: Nullable(Type.Integer()),
  name: Nullable(Type.String()),
  metric: SlaMetricT,
  /** clocks decided: met or breached */
  total: Type.Integer(),
  met: Type.Integer(),
  breached: Type.Integer(),
  /** met ÷ total, 0–1; null when nothing was decided */
  metShare: Nullable(Type.Number()),
});
export type SlaMetRow = Static<typeof SlaMetRow>;

/** A breached clock, for the breached-cases list (each row opens its case). */
export const SlaBreachRow = Type.Object({
  caseId: Type.Integer(),
  number: Type.Integer(),
  subject: Type.String(),
  status: Type.String(),
  priority: Type.String(),
  metric: SlaMetricT,
  policyName: Nullable(Type.String()),
  queueName: Nullable(Type.String()),
  assigneeName: Nullable(Type.String()),
  dueAt: Time,
  breachedAt: Time,
  /** when the clock was met after all (answered or solved late); null: still open */
  metAt: Nullable(Time),
});
export type SlaBreachRow = Static<typeof SlaBreachRow>;
