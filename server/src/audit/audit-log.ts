import type { Queryable } from '../db/pool.js';

export interface AuditEntry {
  actorId: number | null;
  action: string;
  entity: string;
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

/** Every change a person makes is recorded; secrets are stripped before they reach the log. */
export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after, ip) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [e.actorId, e.action, e.entity, e.entityId == null ? null : String(e.entityId), redact(e.before), redact(e.after), e.ip ?? null],
  );
}

const SECRET_KEYS = /password|secret|token|key_hash|api_key/i;
function redact(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return JSON.stringify(v, (k, val) => (k && SECRET_KEYS.test(k) ? '[redacted]' : val));
}
