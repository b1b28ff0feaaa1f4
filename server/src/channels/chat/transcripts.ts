import type pg from 'pg';
import { withTransaction, type Queryable } from '../../db/pool.js';
import { newToken, sha256 } from '../../lib/tokens.js';
import { enqueueNotification } from '../../customer-messages/jobs.js';
import { t } from '../../customer-messages/messages.js';
import { adoptProvenEmail } from '../../customers/claimed-email.js';
import type { ChatDeps } from './conversation.js';
import type { Visitor } from './visitors.js';

/**
 * Chat transcripts by email. A visitor is anonymous, so the transcript (which carries text the visitor typed) goes
 * only to an address proved to be theirs: a verified email of the conversation's customer, or an address the visitor
 * confirmed by opening a link mailed there (that mail is fixed text). At most one transcript per conversation, and
 * requests are limited per visitor and per address, so the hub cannot be used to mail anyone, or anyone often.
 */

export type TranscriptRefusal = 'no_address' | 'no_conversation' | 'already_sent' | 'rate_limited';

export type TranscriptOutcome =
  | { ok: true; status: 'sent' | 'confirm'; to: string; message: string }
  | { ok: false; code: TranscriptRefusal; reason: string; retryAfterSeconds?: number };

const refuse = (visitor: Visitor, code: TranscriptRefusal, retryAfterSeconds?: number): TranscriptOutcome => {
  const r = t(visitor.language).transcriptRefusals;
  return { ok: false, code, reason: code === 'rate_limited' ? r.rate_limited(retryAfterSeconds ?? 60) : r[code], ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
};

export async function requestTranscript(deps: ChatDeps, visitor: Visitor, o: { caseId: number | null; email?: string }): Promise<TranscriptOutcome> {
  const to = o.email?.trim().toLowerCase() || visitor.email;
  if (!to) return refuse(visitor, 'no_address');
  if (!o.caseId) return refuse(visitor, 'no_conversation');
  if (await alreadySent(deps.db, o.caseId)) return refuse(visitor, 'already_sent');

  const rules = deps.config.transcripts;
  for (const [name, key, max] of [
    ['transcript-visitor', visitor.id, rules.perVisitor],
    ['transcript-address', to, rules.perAddress],
  ] as const) {
    const r = await deps.limiter.consume(name, key, { max, windowMs: rules.windowMs });
    if (!r.ok) return refuse(visitor, 'rate_limited', r.retryAfterSeconds);
  }

  const m = t(visitor.language);
  if (await provedFor(deps.db, visitor, o.caseId, to)) {
    if (!(await recordTranscript(deps.db, o.caseId, visitor.id, to))) return refuse(visitor, 'already_sent');
    await enqueueNotification(deps.notifications, { kind: 'chat-transcript', caseId: o.caseId, to, language: visitor.language });
    return { ok: true, status: 'sent', to, message: m.transcriptSentTo(to) };
  }
  const token = newToken('tcf_');
  await deps.db.query(
    `INSERT INTO transcript_confirmations (token_hash, visitor_id, case_id, email, language, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6))`,
    [sha256(token), visitor.id, o.caseId, to, visitor.language, rules.confirmTtlMinutes],
  );
  const link = `${deps.publicUrl}/widget/transcripts/confirm?token=${encodeURIComponent(token)}`;
  await enqueueNotification(deps.notifications, { kind: 'transcript-confirm', to, link, language: visitor.language });
  return { ok: true, status: 'confirm', to, message: m.transcriptConfirmSent(to) };
}

/** A verified email of the conversation's customer, or the visitor's own confirmed address. */
async function provedFor(db: Queryable, visitor: Visitor, caseId: number, to: string): Promise<boolean> {
  // (read afresh: a socket's visitor was loaded when it connected, maybe before the confirmation)
  const own = await db.query(`SELECT 1 FROM chat_visitors WHERE id = $1 AND email = $2 AND email_verified_at IS NOT NULL`, [visitor.id, to]);
  if (own.rowCount) return true;
  const r = await db.query(
    `SELECT 1 FROM cases c JOIN customer_identities ci ON ci.customer_id = c.customer_id
      WHERE c.id = $1 AND ci.kind = 'email' AND ci.value = $2 AND ci.verified`,
    [caseId, to],
  );
  return (r.rowCount ?? 0) > 0;
}

async function alreadySent(db: Queryable, caseId: number): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM chat_transcripts WHERE case_id = $1`, [caseId]);
  return (r.rowCount ?? 0) > 0;
}

/** The once-per-conversation lock: false when a transcript of this case was already sent. */
async function recordTranscript(db: Queryable, caseId: number, visitorId: string, to: string): Promise<boolean> {
  const r = await db.query(`INSERT INTO chat_transcripts (case_id, visitor_id, email) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING RETURNING case_id`, [
    caseId,
    visitorId,
    to,
  ]);
  return (r.rowCount ?? 0) > 0;
}

export type ConfirmPeek = { ok: true; email: string; language: string } | { ok: false; language: string };

/** What a confirmation link is for, without spending it (the page in front of the button). */
export async function peekConfirmation(db: Queryable, token: string): Promise<ConfirmPeek> {
  const r = await db.query(
    `SELECT email, language FROM transcript_confirmations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
    [sha256(token)],
  );
  return r.rowCount ? { ok: true, email: r.rows[0].email, language: r.rows[0].language } : { ok: false, language: 'en' };
}

export type ConfirmResult = { status: 'sent' | 'already_sent' | 'invalid'; language: string };

/**
 * Spends a confirmation link: the visitor has proved the address, which becomes theirs (and joins its owner's
 * history, see adoptProvenEmail); the transcript goes out unless this conversation already had one.
 */
export async function confirmTranscript(deps: Pick<ChatDeps, 'db' | 'notifications'>, token: string): Promise<ConfirmResult> {
  const done = await withTransaction(deps.db as pg.Pool, async (tx) => {
    const r = await tx.query(
      `UPDATE transcript_confirmations SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING visitor_id, case_id, email, language`,
      [sha256(token)],
    );
    const c = r.rows[0];
    if (!c) return { status: 'invalid' as const, language: 'en' };
    await tx.query(`UPDATE chat_visitors SET email = $2, email_verified_at = now() WHERE id = $1`, [c.visitor_id, c.email]);
    const owner = await tx.query(`SELECT customer_id FROM cases WHERE id = $1`, [c.case_id]);
    await adoptProvenEmail(tx, c.email, { claimant: owner.rows[0]?.customer_id ?? null, language: c.language });
    const fresh = await recordTranscript(tx, c.case_id, c.visitor_id, c.email);
    return { status: fresh ? ('sent' as const) : ('already_sent' as const), language: c.language as string, caseId: c.case_id as number, to: c.email as string };
  });
  if (done.status === 'sent' && 'caseId' in done) {
    await enqueueNotification(deps.notifications, { kind: 'chat-transcript', caseId: done.caseId, to: done.to, language: done.language });
  }
  return { status: done.status, language: done.language };
}
