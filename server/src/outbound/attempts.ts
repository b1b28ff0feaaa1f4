import { createHash } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import type { DeliveryAttempt } from '../contracts/views.js';

/**
 * The delivery attempt record (migrations/0801): written before a message is handed to its
 * provider and finished after. It is both the history agents see and the claim that keeps two
 * processes from sending the same message at once.
 */
export type AttemptKey = { interactionId: number } | { systemKey: string };
export type AttemptOutcome = 'pending' | 'accepted' | 'failed' | 'not_sent' | 'unknown';

export interface Attempt {
  id: number;
  attempt: number;
  startedAt: Date;
  outcome: AttemptOutcome;
  request: Record<string, unknown>;
}

/** as the timeline shows it */
export type AttemptView = DeliveryAttempt;

const keyWhere = (k: AttemptKey): { col: 'interaction_id' | 'system_key'; val: number | string } =>
  'interactionId' in k ? { col: 'interaction_id', val: k.interactionId } : { col: 'system_key', val: k.systemKey };

export const bodyDigest = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toAttempt = (r: any): Attempt => ({ id: r.id, attempt: r.attempt, startedAt: new Date(r.started_at), outcome: r.outcome, request: r.request ?? {} });

/**
 * Attempts whose outcome is not known: pending for longer than the lease (their process died), or
 * ended by an error that does not say whether the provider got the message (see markAmbiguous).
 */
export async function staleAttempts(db: Queryable, key: AttemptKey, leaseMs: number): Promise<{ stale: Attempt[]; inFlight: boolean }> {
  const { col, val } = keyWhere(key);
  const r = await db.query(pendingAttemptsSql(col, '$1', '$2'), [val, leaseMs]);
  return pendingOf(r.rows);
}

/**
 * The pending attempts of one message, each with `stale` (see staleAttempts): `keyRef` and `leaseRef` are
 * the statement's parameters (or column references) for the message's key and the lease in ms. A caller
 * that reads the message anyway embeds it, to learn both in one round trip.
 */
export const pendingAttemptsSql = (col: 'interaction_id' | 'system_key', keyRef: string, leaseRef: string) =>
  `SELECT *, (finished_at IS NOT NULL OR started_at < now() - make_interval(secs => ${leaseRef}::float8 / 1000)) AS stale
     FROM delivery_attempts WHERE ${col} = ${keyRef} AND outcome = 'pending'`;

/** Splits pending attempts (pendingAttemptsSql's rows, or the same as JSON) into stale ones and whether one is in flight. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pendingOf(rows: any[]): { stale: Attempt[]; inFlight: boolean } {
  return { stale: rows.filter((x) => x.stale).map(toAttempt), inFlight: rows.some((x) => !x.stale) };
}

/**
 * Claims the next attempt: inserts a pending row unless one is already pending (then null: someone
 * else is sending right now). Committed before the provider is called.
 */
export async function beginAttempt(db: Queryable, key: AttemptKey, channel: string, request: Record<string, unknown> = {}): Promise<Attempt | null> {
  const { col, val } = keyWhere(key);
  const r = await db.query(`${beginSql(col)} RETURNING *`, [val, channel, JSON.stringify(request)]);
  return r.rowCount ? toAttempt(r.rows[0]) : null;
}

const beginSql = (col: 'interaction_id' | 'system_key') =>
  `INSERT INTO delivery_attempts (${col}, channel, attempt, request)
   VALUES ($1, $2, (SELECT COALESCE(max(attempt), 0) + 1 FROM delivery_attempts WHERE ${col} = $1), $3)
   ON CONFLICT DO NOTHING`;

/**
 * beginAttempt for an outbound interaction, which the same statement marks as being sent (when it is still
 * queued or sending): one round trip, both committed before the provider is called. Null when another
 * attempt is pending, and then the interaction is left as it was.
 */
export async function beginInteractionAttempt(db: Queryable, interactionId: number, channel: string, request: Record<string, unknown> = {}): Promise<Attempt | null> {
  const r = await db.query(
    `WITH a AS (${beginSql('interaction_id')} RETURNING *),
     sending AS (
       UPDATE interactions SET delivery_status = 'sending', updated_at = now()
        WHERE id = $1 AND delivery_status IN ('queued', 'sending') AND EXISTS (SELECT 1 FROM a)
     )
     SELECT * FROM a`,
    [interactionId, channel, JSON.stringify(request)],
  );
  return r.rowCount ? toAttempt(r.rows[0]) : null;
}

/** Adds what reconciliation needs (e.g. the sender number) — always before the provider is called. */
export async function noteAttempt(db: Queryable, attemptId: number, details: Record<string, unknown>): Promise<void> {
  await db.query(`UPDATE delivery_attempts SET request = request || $2::jsonb WHERE id = $1`, [attemptId, JSON.stringify(details)]);
}

export type AttemptEnd = {
  outcome: Exclude<AttemptOutcome, 'pending'>;
  provider?: string | null;
  providerMessageId?: string | null;
  providerCode?: string | number | null;
  error?: string | null;
};

/**
 * Ends a pending attempt: `FINISH_ATTEMPT_SQL` with `finishAttemptParams` ($1–$6). A caller that records more
 * in the same round trip embeds the statement (it answers the attempt's row).
 */
export const FINISH_ATTEMPT_SQL = `UPDATE delivery_attempts SET outcome = $2, finished_at = now(), provider = COALESCE($3, provider),
            provider_message_id = COALESCE($4, provider_message_id), provider_code = COALESCE($5, provider_code), error = $6
      WHERE id = $1 AND outcome = 'pending' RETURNING *`;

export const finishAttemptParams = (attemptId: number, r: AttemptEnd) => [
  attemptId,
  r.outcome,
  r.provider ?? null,
  r.providerMessageId ?? null,
  r.providerCode != null ? String(r.providerCode) : null,
  r.error?.slice(0, 1000) ?? null,
];

export async function finishAttempt(db: Queryable, attemptId: number, r: AttemptEnd): Promise<void> {
  await db.query(FINISH_ATTEMPT_SQL, finishAttemptParams(attemptId, r));
}

/**
 * The call failed in a way that does not tell whether the provider took the message (connection
 * cut or timed out after the request went out). The attempt stays pending — to be reconciled with
 * the provider before anything is sent again — but is marked finished so no one waits for it.
 */
export async function markAmbiguous(db: Queryable, attemptId: number, error: string): Promise<void> {
  await db.query(`UPDATE delivery_attempts SET finished_at = now(), error = $2 WHERE id = $1 AND outcome = 'pending'`, [attemptId, error.slice(0, 1000)]);
}

/** Closes every pending attempt of a message the provider is known to hold (its id is on record). */
export async function settleAccepted(db: Queryable, key: AttemptKey, provider: string | null, providerMessageId: string | null): Promise<void> {
  const { col, val } = keyWhere(key);
  await db.query(
    `UPDATE delivery_attempts SET outcome = 'accepted', finished_at = now(), provider = COALESCE($2, provider), provider_message_id = COALESCE($3, provider_message_id)
      WHERE ${col} = $1 AND outcome = 'pending'`,
    [val, provider, providerMessageId],
  );
}

/** Whether a system message was already handed over (never send it again). */
export async function wasAccepted(db: Queryable, key: AttemptKey): Promise<boolean> {
  const { col, val } = keyWhere(key);
  const r = await db.query(`SELECT 1 FROM delivery_attempts WHERE ${col} = $1 AND outcome = 'accepted' LIMIT 1`, [val]);
  return (r.rowCount ?? 0) > 0;
}

export async function attemptHistory(db: Queryable, interactionId: number): Promise<AttemptView[]> {
  const r = await db.query(`SELECT * FROM delivery_attempts WHERE interaction_id = $1 ORDER BY attempt`, [interactionId]);
  return r.rows.map(attemptView);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function attemptView(r: any): AttemptView {
  return {
    attempt: r.attempt,
    at: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    outcome: r.outcome,
    provider: r.provider,
    providerCode: r.provider_code,
    error: r.error,
  };
}

// Failures that happen before any byte of the message can have reached the provider.
const NEVER_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|\b(ECONNECTION|EAUTH|EENVELOPE|EDNS)\b/;

/**
 * Whether a failed call leaves it open if the provider took the message: no answer from the
 * provider (no HTTP status, no SMTP reply code) and not a failure to connect at all.
 */
export function outcomeUnknown(err: unknown): boolean {
  const e = err as { status?: unknown; responseCode?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status === 'number' || typeof e?.responseCode === 'number') return false;
  const text = `${String(e?.message ?? err)} ${typeof e?.code === 'string' ? e.code : ''}`;
  return !NEVER_SENT.test(text);
}
