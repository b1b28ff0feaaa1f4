import type { Queryable } from '../db/pool.js';
import { namedStatement, runNamed } from '../db/named.js';
import { newToken, sha256 } from '../lib/tokens.js';
import type { AgentRole } from '../contracts/vocabulary.js';

export interface SessionAgent {
  id: number;
  email: string;
  name: string;
  role: AgentRole;
  language: string;
  /** The session this agent was found through: its key names the session's socket room; it ends at expiresAt. */
  session?: { key: string; expiresAt: Date };
}

/** A session's public handle (never the token): a prefix of its token hash, unique enough to name its socket room. */
export const sessionKeyOf = (tokenHash: string) => tokenHash.slice(0, 32);

export async function createSession(db: Queryable, agentId: number, ttlHours: number, meta: { ip?: string; userAgent?: string } = {}) {
  const token = newToken('chs_');
  const r = await db.query(
    `INSERT INTO sessions (token_hash, agent_id, expires_at, ip, user_agent)
     VALUES ($1, $2, now() + make_interval(hours => $3), $4, $5) RETURNING expires_at`,
    [sha256(token), agentId, ttlHours, meta.ip ?? null, meta.userAgent ?? null],
  );
  return { token, expiresAt: r.rows[0].expires_at as Date };
}

// every API call and socket event of a signed-in agent runs it: named, so it is planned once per connection
const AGENT_FOR_TOKEN = namedStatement(
  'session-agent',
  `WITH s AS (
     SELECT a.id, a.email, a.name, a.role, a.language, s.token_hash, s.expires_at, s.last_seen_at
       FROM sessions s JOIN agents a ON a.id = s.agent_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.active
   ), touched AS (
     UPDATE sessions t SET last_seen_at = now() FROM s
      WHERE t.token_hash = s.token_hash AND s.last_seen_at < now() - interval '1 minute'
   )
   SELECT id, email, name, role, language, token_hash, expires_at FROM s`,
);

/** The agent behind a live session token, sliding its last-seen time. */
export async function agentForToken(db: Queryable, token: string): Promise<SessionAgent | null> {
  // last-seen is kept to the minute: a write per request would cost every API call a row update
  const r = await runNamed(db, AGENT_FOR_TOKEN, [sha256(token)]);
  if (!r.rowCount) return null;
  const { token_hash: hash, expires_at: expiresAt, ...agent } = r.rows[0];
  return { ...(agent as Omit<SessionAgent, 'session'>), session: { key: sessionKeyOf(hash), expiresAt: new Date(expiresAt) } };
}

/** Ends one session; answers whose it was (null when there was none) and its key. */
export async function deleteSession(db: Queryable, token: string): Promise<{ agentId: number; key: string } | null> {
  const r = await db.query(`DELETE FROM sessions WHERE token_hash = $1 RETURNING agent_id, token_hash`, [sha256(token)]);
  return r.rowCount ? { agentId: Number(r.rows[0].agent_id), key: sessionKeyOf(r.rows[0].token_hash) } : null;
}

/** Ends every session of an agent, or every one but the session with key `exceptKey`. Answers how many ended. */
export async function deleteAgentSessions(db: Queryable, agentId: number, exceptKey?: string): Promise<number> {
  const r = await db.query(`DELETE FROM sessions WHERE agent_id = $1 AND ($2::text IS NULL OR left(token_hash, 32) <> $2)`, [agentId, exceptKey ?? null]);
  return r.rowCount ?? 0;
}
