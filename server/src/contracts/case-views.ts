// Case views (the filter bar, built-in and saved views), bulk actions and macros: the request and
// response schemas, whose Static types the server and the agent UI share.
import { Type, type Static } from 'typebox';
import { CasePriorityT, CaseStatusT, CaseTypeT, ChannelT, CustomerTierT, StringEnum, Nullable } from './vocabulary.js';
import { CaseView } from './views.js';

const Time = Type.String({ format: 'date-time' });
const RowId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Tag = Type.String({ minLength: 1, maxLength: 50 });

/** Where a case stands against its SLA due time (sla/view-state.ts decides it, in SQL). */
export const SLA_STATES = ['breached', 'at_risk', 'on_track', 'none'] as const;
export type SlaState = (typeof SLA_STATES)[number];

export const ROUTING_STATES = ['none', 'waiting', 'offered', 'assigned'] as const;

/** How a list is ordered: priority (urgent first), age (oldest first), due time (nearest first), last activity (newest first). */
export const CASE_SORTS = ['priority', 'age', 'due', 'activity'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];
export const CaseSortT = StringEnum(CASE_SORTS);

/**
 * The filter bar. Every field narrows (AND); a list field matches any of its values (OR). Absent = no
 * condition. `assignee` takes agent ids, "me" (the viewer) and "none" (unassigned); `tags` matches a case
 * carrying any of them; `text` matches the case number, the subject or the customer's name.
 */
export const CaseFilter = Type.Object(
  {
    status: Type.Optional(Type.Array(CaseStatusT, { maxItems: 5 })),
    channel: Type.Optional(Type.Array(ChannelT, { maxItems: 6 })),
    queueId: Type.Optional(Type.Array(RowId, { maxItems: 50 })),
    assignee: Type.Optional(Type.Array(Type.Union([Type.Literal('me'), Type.Literal('none'), RowId]), { maxItems: 50 })),
    priority: Type.Optional(Type.Array(CasePriorityT, { maxItems: 4 })),
    type: Type.Optional(Type.Array(CaseTypeT, { maxItems: 7 })),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })),
    customerTier: Type.Optional(Type.Array(CustomerTierT, { maxItems: 2 })),
    createdFrom: Type.Optional(Time),
    createdTo: Type.Optional(Time),
    updatedFrom: Type.Optional(Time),
    updatedTo: Type.Optional(Time),
    sla: Type.Optional(Type.Array(StringEnum(SLA_STATES), { maxItems: 4 })),
    text: Type.Optional(Type.String({ maxLength: 200 })),
    routingState: Type.Optional(Type.Array(StringEnum(ROUTING_STATES), { maxItems: 4 })),
    /** cases the viewer was @mentioned on */
    mentionsMe: Type.Optional(Type.Boolean()),
    /** pending cases whose follow-up time has come */
    pendingDue: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CaseFilter = Static<typeof CaseFilter>;

export const BUILTIN_VIEW_KEYS = ['my_open', 'unassigned', 'waiting', 'pending_due', 'breached', 'mentions', 'all_open'] as const;
export type BuiltinViewKey = (typeof BUILTIN_VIEW_KEYS)[number];

const OPEN: CaseFilter['status'] = ['new', 'open', 'pending'];

/** The built-in views: each is a filter like a saved one; what a caller sees of it is limited by the access policy. */
export const BUILTIN_VIEWS: Record<BuiltinViewKey, { filter: CaseFilter; sort: CaseSort }> = {
  my_open: { filter: { assignee: ['me'], status: OPEN }, sort: 'due' },
  unassigned: { filter: { assignee: ['none'], status: OPEN }, sort: 'age' },
  waiting: { filter: { routingState: ['waiting', 'offered'] }, sort: 'priority' },
  pending_due: { filter: { status: ['pending'], pendingDue: true }, sort: 'due' },
  breached: { filter: { status: ['new', 'open'], sla: ['breached', 'at_risk'] }, sort: 'due' },
  mentions: { filter: { mentionsMe: true, status: OPEN }, sort: 'activity' },
  all_open: { filter: { status: OPEN }, sort: 'priority' },
};

/** One entry of the views sidebar: a built-in (`key` = its name) or a saved view (`key` = "saved:<id>"). */
export const CaseViewEntry = Type.Object({
  key: Type.String(),
  builtin: Type.Boolean(),
  /** saved views: their name; built-ins: null (the UI names them in its language) */
  name: Nullable(Type.String()),
  id: Nullable(Type.Integer()),
  shared: Type.Boolean(),
  ownerAgentId: Nullable(Type.Integer()),
  /** whether the caller may change or delete it */
  editable: Type.Boolean(),
  filter: CaseFilter,
  sort: CaseSortT,
  /** matching cases the caller may read, counted up to `VIEW_COUNT_CAP` */
  count: Type.Integer(),
});
export type CaseViewEntry = Static<typeof CaseViewEntry>;

/** Counts stop here: "1000+" is all a sidebar needs, and it keeps a count cheap on a large table. */
export const VIEW_COUNT_CAP = 1000;

export const CaseViewList = Type.Object({ views: Type.Array(CaseViewEntry) });
export type CaseViewList = Static<typeof CaseViewList>;

export const SavedViewBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 80 }),
  /** shared with every staff member (supervisors only); otherwise personal */
  shared: Type.Optional(Type.Boolean()),
  filter: CaseFilter,
  sort: Type.Optional(CaseSortT),
});
export type SavedViewBody = Static<typeof SavedViewBody>;

/** Run a view: a built-in or saved one by key, or an unsaved filter straight from the filter bar. */
export const ViewQueryBody = Type.Object({
  key: Type.Optional(Type.String({ maxLength: 40 })),
  filter: Type.Optional(CaseFilter),
  sort: Type.Optional(CaseSortT),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
});
export type ViewQueryBody = Static<typeof ViewQueryBody>;

export const ViewQueryResult = Type.Object({ cases: Type.Array(CaseView), count: Type.Integer() });
export type ViewQueryResult = Static<typeof ViewQueryResult>;

// ---- actions on cases (bulk and macros) ----

export const SETTABLE_STATUSES = ['open', 'pending', 'solved', 'closed'] as const;

/** What a macro may do to a case; each goes through lifecycle/ (case-actions.ts). */
export const MacroAction = Type.Union([
  Type.Object({ kind: Type.Literal('status'), status: StringEnum(SETTABLE_STATUSES), resolutionNote: Type.Optional(Type.String({ maxLength: 5000 })), pendingHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90 })) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('priority'), priority: CasePriorityT }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('type'), type: CaseTypeT }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('tags'), add: Type.Optional(Type.Array(Tag, { maxItems: 20 })), remove: Type.Optional(Type.Array(Tag, { maxItems: 20 })) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('assign'), agentId: RowId }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('queue'), queueId: RowId }, { additionalProperties: false }),
]);
export type MacroAction = Static<typeof MacroAction>;

/** A bulk action: one of a macro's actions, a merge of the selection into one case, or a macro. */
export const BulkAction = Type.Union([
  MacroAction,
  Type.Object({ kind: Type.Literal('merge'), targetId: RowId }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('macro'), macroId: RowId }, { additionalProperties: false }),
]);
export type BulkAction = Static<typeof BulkAction>;

export const BulkBody = Type.Object({
  caseIds: Type.Array(RowId, { minItems: 1, maxItems: 100 }),
  action: BulkAction,
});
export type BulkBody = Static<typeof BulkBody>;

/** Per case: done, or why not (403/404/409/400 as a single case would have answered). */
export const BulkOutcome = Type.Object({
  caseId: Type.Integer(),
  ok: Type.Boolean(),
  status: Type.Integer(),
  message: Nullable(Type.String()),
  /** a macro's reply that could not be sent (the actions stand) */
  replyError: Type.Optional(Nullable(Type.String())),
});
export type BulkOutcome = Static<typeof BulkOutcome>;

export const BulkResult = Type.Object({ results: Type.Array(BulkOutcome), done: Type.Integer(), failed: Type.Integer() });
export type BulkResult = Static<typeof BulkResult>;

/** The reply a macro sends, per language ("en", "fa"); the customer's language picks it, English otherwise. */
export const MacroReply = Type.Object({ en: Type.Optional(Type.String({ maxLength: 20_000 })), fa: Type.Optional(Type.String({ maxLength: 20_000 })) }, { additionalProperties: false });
export type MacroReply = Static<typeof MacroReply>;

export const MacroBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 80 }),
  /** shared with everyone (supervisors only); otherwise the author's own */
  shared: Type.Optional(Type.Boolean()),
  actions: Type.Array(MacroAction, { maxItems: 10 }),
  reply: Type.Optional(MacroReply),
  /** the reply is an internal note instead of a message to the customer */
  replyInternal: Type.Optional(Type.Boolean()),
});
export type MacroBody = Static<typeof MacroBody>;

export const Macro = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  shared: Type.Boolean(),
  ownerAgentId: Nullable(Type.Integer()),
  editable: Type.Boolean(),
  actions: Type.Array(MacroAction),
  reply: MacroReply,
  replyInternal: Type.Boolean(),
  updatedAt: Time,
});
export type Macro = Static<typeof Macro>;

export const MacroList = Type.Object({ macros: Type.Array(Macro) });

export const SplitBody = Type.Object({ interactionId: RowId, subject: Type.Optional(Type.String({ maxLength: 500 })) });
export const SplitResult = Type.Object({ caseId: Type.Integer(), number: Type.Integer(), fromCaseId: Type.Integer() });
export type SplitResult = Static<typeof SplitResult>;

/** What arrived since the agent began a draft: the 409 a reply gets unless it is confirmed. */
export const ReplyConflictChange = Type.Object({
  interactionId: Type.Integer(),
  direction: Type.String(),
  authorName: Nullable(Type.String()),
  text: Type.String(),
  createdAt: Time,
});
export type ReplyConflictChange = Static<typeof ReplyConflictChange>;
export const ReplyConflict = Type.Object({ reason: Type.Literal('case_changed'), changes: Type.Array(ReplyConflictChange) });
export type ReplyConflict = Static<typeof ReplyConflict>;
