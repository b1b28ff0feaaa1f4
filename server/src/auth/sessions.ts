import type { Queryable } from '../db/pool.js';
import { newToken, sha256 } from '../lib/tokens.js';
import type { AgentRole } from '../contracts/channels.js';

export interface SessionAgent {
  id: number;
  email: string;
  name: string;
  role: AgentRole;
  language: string;
}

export async function createSession(db: Queryable, agentId: number, ttlHours: number, meta: { ip?: string; userAgent?: string } = {}) {
  const token = newToken('chs_');
  const r = await db.query(
    `INSERT INTO sessions (token_hash, agent_id, expires_at, ip, user_agent)
     VALUES ($1, $2, now() + make_interval(hours => $3), $4, $5) RETURNING expires_at`,
    [sha256(token), agentId, ttlHours, meta.ip ?? null, meta.userAgent ?? null],
  );
  return { token, expiresAt: r.rows[0].expires_at as Date };
}

/** The agent behind a live session token, sliding its last-seen time. */
export async function agentForToken(db: Queryable, token: string): Promise<SessionAgent | null> {
  const r = await db.query(
    `UPDATE sessions s SET last_seen_at = now()
       FROM agents a
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.id = s.agent_id AND a.active
      RETURNING a.id, a.email, a.name, a.role, a.language`,
    [sha256(token)],
  );
  return r.rowCount ? (r.rows[0] as SessionAgent) : null;
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE token_hash = $1`, [sha256(token)]);
}
