// Automation rules and outbound webhooks: the schemas are the types (server/src/automation/, the admin API
// under /api/v1/admin/automation-rules and /api/v1/admin/webhooks, and the admin UI).
import { Type, type Static } from 'typebox';
import { CasePriorityT, CaseStatusT, CaseTypeT, ChannelT, CustomerTierT, StringEnum } from './vocabulary.js';

/** Case events a rule can run on (the automation worker reads them from case_events). */
export const RULE_EVENTS = ['case_created', 'customer_replied', 'agent_replied', 'status_changed', 'assigned', 'sla_warning', 'sla_breach', 'reminder_due'] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

/** What "N hours since …" counts from: case creation, the last customer message, the last agent reply, the last status change. */
export const TIME_ANCHORS = ['created', 'customer_reply', 'agent_reply', 'status'] as const;
export type TimeAnchor = (typeof TIME_ANCHORS)[number];

const Tag = Type.String({ minLength: 1, maxLength: 60 });
const Ids = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100 });

export const RuleTrigger = Type.Union([
  Type.Object({ on: StringEnum(RULE_EVENTS) }, { additionalProperties: false }),
  Type.Object(
    {
      on: Type.Literal('time'),
      since: StringEnum(TIME_ANCHORS),
      /** 1 hour to 90 days */
      hours: Type.Number({ minimum: 1, maximum: 2160 }),
    },
    { additionalProperties: false },
  ),
]);
export type RuleTrigger = Static<typeof RuleTrigger>;

/** Every condition given must hold (AND); inside one condition any listed value matches (OR). */
export const RuleConditions = Type.Object(
  {
    channels: Type.Optional(Type.Array(ChannelT, { maxItems: 6 })),
    queueIds: Type.Optional(Ids),
    /** words or phrases, compared after Persian normalisation (ي/ی, ك/ک, ZWNJ, Arabic and Persian digits) and lower-casing */
    keywords: Type.Optional(
      Type.Object(
        {
          words: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50 }),
          in: StringEnum(['subject', 'body', 'both'] as const),
        },
        { additionalProperties: false },
      ),
    ),
    customerTiers: Type.Optional(Type.Array(CustomerTierT, { maxItems: 2 })),
    customerTags: Type.Optional(Type.Array(Tag, { maxItems: 30 })),
    caseTypes: Type.Optional(Type.Array(CaseTypeT, { maxItems: 7 })),
    priorities: Type.Optional(Type.Array(CasePriorityT, { maxItems: 4 })),
    caseTags: Type.Optional(Type.Array(Tag, { maxItems: 30 })),
    statuses: Type.Optional(Type.Array(CaseStatusT, { maxItems: 5 })),
    /** the case's queue's opening hours (Admin → Business hours) at the time the rule runs */
    businessHours: Type.Optional(StringEnum(['open', 'closed'] as const)),
  },
  { additionalProperties: false },
);
export type RuleConditions = Static<typeof RuleConditions>;

/** Texts per language (en, fa, …); the customer's language is used, else English, else the first. */
const Texts = Type.Record(Type.String({ pattern: '^[a-z]{2}$' }), Type.String({ minLength: 1, maxLength: 5000 }), { minProperties: 1 });

export const RuleAction = Type.Union([
  Type.Object({ type: Type.Literal('set_priority'), priority: CasePriorityT }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('set_type'), caseType: CaseTypeT }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('add_tags'), tags: Type.Array(Tag, { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('remove_tags'), tags: Type.Array(Tag, { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
  /** move the case to a queue (it waits there for an agent); queueName is matched case-insensitively when no id is given */
  Type.Object(
    { type: Type.Literal('set_queue'), queueId: Type.Optional(Type.Integer({ minimum: 1 })), queueName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('assign_agent'), agentId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('set_status'), status: StringEnum(['open', 'solved', 'closed'] as const) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('add_note'), text: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false }),
  /** a reply to the customer on the case's channel, in their language; placeholders {{customer.name}}, {{case.ref}} */
  Type.Object({ type: Type.Literal('send_reply'), texts: Texts }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('notify'),
      to: StringEnum(['assignee', 'supervisors', 'agents'] as const),
      /** with to = agents */
      agentIds: Type.Optional(Ids),
      text: Type.String({ minLength: 1, maxLength: 500 }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('call_webhook'), webhookId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
]);
export type RuleAction = Static<typeof RuleAction>;
export type RuleActionType = RuleAction['type'];

export const RuleInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    enabled: Type.Boolean(),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    trigger: RuleTrigger,
    conditions: RuleConditions,
    actions: Type.Array(RuleAction, { minItems: 1, maxItems: 20 }),
    stopProcessing: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type RuleInput = Static<typeof RuleInput>;

export const RuleView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  enabled: Type.Boolean(),
  position: Type.Integer(),
  trigger: RuleTrigger,
  conditions: RuleConditions,
  actions: Type.Array(RuleAction),
  stopProcessing: Type.Boolean(),
  /** set on the shipped examples */
  exampleKey: Type.Union([Type.String(), Type.Null()]),
  /** how many cases it has run on */
  runs: Type.Integer(),
  updatedAt: Type.String(),
});
export type RuleView = Static<typeof RuleView>;

/** What one rule did on one case: the `automation` case event's data and the timeline entry's metadata. */
export const RuleLog = Type.Object({
  ruleId: Type.Integer(),
  ruleName: Type.String(),
  eventId: Type.Integer(),
  /** one line per action: what it set, or why it could not */
  done: Type.Array(Type.Object({ type: Type.String(), value: Type.Optional(Type.String()), error: Type.Optional(Type.String()) })),
});
export type RuleLog = Static<typeof RuleLog>;

/** Events a webhook can subscribe to. */
export const WEBHOOK_EVENTS = ['case.created', 'case.assigned', 'case.solved', 'interaction.created', 'sla.warning', 'sla.breached', 'csat.received'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Sent only by a rule's "call a webhook" action and by the admin's test button. */
export type WebhookSendEvent = WebhookEvent | 'rule.triggered' | 'ping';

export const WebhookInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.String({ minLength: 8, maxLength: 2000 }),
    events: Type.Array(StringEnum(WEBHOOK_EVENTS), { maxItems: WEBHOOK_EVENTS.length }),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type WebhookInput = Static<typeof WebhookInput>;

export const WebhookView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  updatedAt: Type.String(),
  /** shown once, when the webhook is created or its secret rotated */
  secret: Type.Optional(Type.String()),
});
export type WebhookView = Static<typeof WebhookView>;

export const WebhookDeliveryView = Type.Object({
  id: Type.Integer(),
  endpointId: Type.Integer(),
  event: Type.String(),
  status: StringEnum(['pending', 'retrying', 'succeeded', 'failed'] as const),
  attempts: Type.Integer(),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  replayOf: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  attemptLog: Type.Array(Type.Object({ attempt: Type.Integer(), statusCode: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]), durationMs: Type.Union([Type.Integer(), Type.Null()]), at: Type.String() })),
});
export type WebhookDeliveryView = Static<typeof WebhookDeliveryView>;
