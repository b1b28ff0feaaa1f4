import type { Queryable } from '../../server/src/db/pool.js';
import { hashPassword } from '../../server/src/auth/passwords.js';
import type { AgentRole } from '../../server/src/contracts/vocabulary.js';

let seq = 0;
const passwordCache = new Map<string, string>();

export async function makeAgent(
  db: Queryable,
  o: { email?: string; name?: string; password?: string; role?: AgentRole; skills?: string[]; capacity?: Record<string, number>; queueIds?: number[]; presence?: string } = {},
) {
  seq++;
  const password = o.password ?? 'correct horse battery';
  if (!passwordCache.has(password)) passwordCache.set(password, await hashPassword(password));
  const r = await db.query(
    `INSERT INTO agents (email, name, password_hash, role, skills, capacity, presence)
     VALUES ($1, $2, $3, $4, $5, COALESCE($6::jsonb, '{"voice":1,"chat":3,"sms":5,"email":5,"portal":5,"api":5}'::jsonb), $7) RETURNING *`,
    [
      o.email ?? `agent${seq}-${Math.random().toString(36).slice(2, 7)}@example.test`,
      o.name ?? `Agent ${seq}`,
      passwordCache.get(password),
      o.role ?? 'agent',
      o.skills ?? [],
      o.capacity ? JSON.stringify(o.capacity) : null,
      o.presence ?? 'offline',
    ],
  );
  for (const q of o.queueIds ?? []) await db.query(`INSERT INTO queue_members (queue_id, agent_id) VALUES ($1, $2)`, [q, r.rows[0].id]);
  return { ...r.rows[0], password } as { id: number; email: string; password: string; role: AgentRole };
}

export async function makeQueue(db: Queryable, o: { name?: string; channels?: string[]; requiredSkills?: string[]; isDefault?: boolean } = {}) {
  seq++;
  const r = await db.query(
    `INSERT INTO queues (name, channels, required_skills, is_default) VALUES ($1, COALESCE($2, '{voice,chat,sms,email,portal,api}'::text[]), $3, $4) RETURNING *`,
    [o.name ?? `queue-${seq}`, o.channels ?? null, o.requiredSkills ?? [], o.isDefault ?? false],
  );
  return r.rows[0] as { id: number; name: string };
}
