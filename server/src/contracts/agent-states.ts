/**
 * Agent states (issue 16, item 4): break reasons an Away agent names, and dispositions (wrap-up codes)
 * an agent gives a case — both admin-defined, in English and Persian.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from './vocabulary.js';

const Label = Type.String({ minLength: 1, maxLength: 100 });

export const BreakReasonBody = Type.Object({
  nameEn: Label,
  nameFa: Label,
  active: Type.Optional(Type.Boolean()),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
});
export type BreakReasonBody = Static<typeof BreakReasonBody>;

export const BreakReason = Type.Object({
  id: Type.Integer(),
  nameEn: Type.String(),
  nameFa: Type.String(),
  active: Type.Boolean(),
  position: Type.Integer(),
});
export type BreakReason = Static<typeof BreakReason>;

export const DispositionBody = Type.Object({
  /** short and stable: what reports and exports show (lower case, digits, - and _) */
  code: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,49}$' }),
  labelEn: Label,
  labelFa: Label,
  /** null: offered in every queue */
  queueId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  active: Type.Optional(Type.Boolean()),
});
export type DispositionBody = Static<typeof DispositionBody>;

export const Disposition = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  labelEn: Type.String(),
  labelFa: Type.String(),
  queueId: Nullable(Type.Integer()),
  active: Type.Boolean(),
});
export type Disposition = Static<typeof Disposition>;

/** A case's disposition, whether its queue requires one before solving, and the ones the agent may choose. */
export const CaseDisposition = Type.Object({
  dispositionId: Nullable(Type.Integer()),
  required: Type.Boolean(),
  options: Type.Array(Disposition),
});
export type CaseDisposition = Static<typeof CaseDisposition>;

export const SetCaseDisposition = Type.Object({ dispositionId: Nullable(Type.Integer({ minimum: 1 })) });
export type SetCaseDisposition = Static<typeof SetCaseDisposition>;
