import { Type } from 'typebox';

export { StringEnum, ChannelT, IdentityKindT, CaseStatusT, CasePriorityT, CaseTypeT, RoleT, PresenceT, SettablePresenceT } from '../contracts/vocabulary.js';

/** One rule for every password a person chooses (agent accounts, password change, first admin). */
export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;
export const PasswordT = Type.String({ minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max });
/** Why a password breaks the rule (for forms posted outside a JSON schema), or null when it fits. */
export function passwordLengthProblem(password: string): string | null {
  if (password.length < PASSWORD_LENGTH.min) return `the password needs at least ${PASSWORD_LENGTH.min} characters`;
  if (password.length > PASSWORD_LENGTH.max) return `the password is longer than ${PASSWORD_LENGTH.max} characters`;
  return null;
}

export const ErrorView = Type.Object({
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

/**
 * A row id (bigserial). Bounded to what a JavaScript number holds exactly, so `99999999999999999999` is a 400 from
 * validation instead of an out-of-range error from Postgres. Use it for every id in params, query and body.
 */
export const MAX_ID = Number.MAX_SAFE_INTEGER;
export const Id = (opts: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: MAX_ID, ...opts });

export const IdParams = Type.Object({ id: Id() });

// the staff view the UIs read is a contract; routes that take or return it import it from here too
export { AgentView, Capacity } from '../contracts/views.js';
