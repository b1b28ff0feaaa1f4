import type pg from 'pg';
import { withTransaction, type Queryable } from '../../db/pool.js';
import { audit } from '../../audit/audit-log.js';
import type { LiveCallView, MonitorMode } from '../../contracts/voice.js';

/** A supervisor's live monitor of a call: which leg carries them and how they are in the call. */
export interface LiveMonitor {
  id: number;
  callId: number;
  supervisorId: number;
  mode: MonitorMode;
  legId: string;
}

const row = (r: { id: string | number; call_id: string | number; supervisor_id: string | number; mode: MonitorMode; leg_id: string }): LiveMonitor => ({
  id: Number(r.id), callId: Number(r.call_id), supervisorId: Number(r.supervisor_id), mode: r.mode, legId: r.leg_id,
});

export async function liveMonitor(db: Queryable, callId: number, supervisorId: number): Promise<LiveMonitor | null> {
  const r = await db.query(`SELECT * FROM call_monitors WHERE call_id = $1 AND supervisor_id = $2 AND ended_at IS NULL`, [callId, supervisorId]);
  return r.rows[0] ? row(r.rows[0]) : null;
}

export async function monitorByLeg(db: Queryable, legId: string): Promise<LiveMonitor | null> {
  const r = await db.query(`SELECT * FROM call_monitors WHERE leg_id = $1 AND ended_at IS NULL`, [legId]);
  return r.rows[0] ? row(r.rows[0]) : null;
}

/**
 * What the provider did for a supervisor's request, recorded with its audit entry in one transaction: a new monitor,
 * a mode switch on the same leg, or (a provider that cannot switch a leg in place) the old leg replaced by a new one.
 */
export async function recordMonitorAction(
  db: pg.Pool,
  a: { callId: number; supervisorId: number; mode: MonitorMode; legId: string; previous: LiveMonitor | null; ip?: string | null },
): Promise<void> {
  await withTransaction(db, async (tx) => {
    const prev = a.previous;
    if (prev && prev.legId === a.legId) {
      await tx.query(`UPDATE call_monitors SET mode = $2 WHERE id = $1`, [prev.id, a.mode]);
    } else {
      if (prev) await tx.query(`UPDATE call_monitors SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`, [prev.id]);
      await tx.query(`INSERT INTO call_monitors (call_id, supervisor_id, mode, leg_id) VALUES ($1, $2, $3, $4)`, [a.callId, a.supervisorId, a.mode, a.legId]);
    }
    await audit(tx, {
      actorId: a.supervisorId,
      action: prev ? 'call.monitor_mode' : 'call.monitor_start',
      entity: 'call',
      entityId: a.callId,
      before: prev ? { mode: prev.mode, legId: prev.legId } : undefined,
      after: { mode: a.mode, legId: a.legId, supervisorId: a.supervisorId },
      ip: a.ip ?? null,
    });
  });
}

/**
 * A monitor ended: the supervisor asked (actorId = them), or their leg hung up / the call ended (reason given).
 * Returns false when it had already ended, so a repeated callback writes nothing.
 */
export async function endMonitor(db: pg.Pool, m: LiveMonitor, why: { reason: 'stopped' | 'hung_up' | 'call_ended'; ip?: string | null }): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const r = await tx.query(`UPDATE call_monitors SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`, [m.id]);
    if (!r.rowCount) return false;
    await audit(tx, {
      actorId: m.supervisorId, action: 'call.monitor_end', entity: 'call', entityId: m.callId,
      before: { mode: m.mode, legId: m.legId }, after: { reason: why.reason, supervisorId: m.supervisorId }, ip: why.ip ?? null,
    });
    return true;
  });
}

/** The call is over: whoever still monitored it has stopped. */
export async function endCallMonitors(db: pg.Pool, callId: number): Promise<void> {
  const r = await db.query(`SELECT * FROM call_monitors WHERE call_id = $1 AND ended_at IS NULL`, [callId]);
  for (const m of r.rows) await endMonitor(db, row(m), { reason: 'call_ended' });
}

/** The wallboard's live calls: waiting, ringing an agent or talking, with the agent and who monitors each. */
export async function liveCalls(db: Queryable): Promise<LiveCallView[]> {
  const r = await db.query(
    `SELECT c.id, c.case_id, c.provider, c.direction, c.state, c.customer_number, c.agent_id, a.name AS agent_name, q.name AS queue_name,
            c.answered_at, c.agent_call_sid,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('supervisorId', m.supervisor_id, 'supervisorName', s.name, 'mode', m.mode, 'startedAt', m.started_at) ORDER BY m.id)
                        FROM call_monitors m JOIN agents s ON s.id = m.supervisor_id WHERE m.call_id = c.id AND m.ended_at IS NULL), '[]'::jsonb) AS monitors
       FROM calls c LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN queues q ON q.id = c.queue_id
      WHERE c.state IN ('queued', 'connecting', 'in_progress')
      ORDER BY c.answered_at NULLS LAST, c.id
      LIMIT 200`,
  );
  return r.rows.map((c) => ({
    id: Number(c.id),
    caseId: Number(c.case_id),
    provider: c.provider,
    direction: c.direction,
    state: c.state,
    customerNumber: c.customer_number,
    agentId: c.agent_id === null ? null : Number(c.agent_id),
    agentName: c.agent_name ?? null,
    queueName: c.queue_name ?? null,
    answeredAt: c.answered_at ? new Date(c.answered_at).toISOString() : null,
    monitorable: c.state === 'in_progress' && !!c.agent_call_sid,
    monitors: (c.monitors as { supervisorId: number; supervisorName: string; mode: MonitorMode; startedAt: string }[]).map((m) => ({
      ...m, startedAt: new Date(m.startedAt).toISOString(),
    })),
  }));
}
