import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { LoginRefusal } from './login-limits.js';

export const LoginRefusalView = Type.Object({
  error: Type.String(),
  message: Type.String(),
  reason: Type.Union([Type.Literal('too_many_attempts'), Type.Literal('too_many_failures_from_address'), Type.Literal('account_locked')]),
  retryAfterSeconds: Type.Integer(),
});

/** 429 with Retry-After and the reason, so the sign-in page can say why and for how long. */
export function refuseLogin(reply: FastifyReply, r: LoginRefusal) {
  return reply
    .code(429)
    .header('retry-after', String(r.retryAfterSeconds))
    .send({ error: 'Too Many Requests', message: r.message, reason: r.reason, retryAfterSeconds: r.retryAfterSeconds });
}
