import type pg from 'pg';
import type { Config } from '../../config.js';
import { withTransaction } from '../../db/pool.js';
import { writeCaseEvent } from '../../db/case-events.js';
import { notFound } from '../../lib/errors.js';
import { senderNumber } from '../twilio/numbers.js';
import { callById, syncCallInteraction, type CallRow, type VoiceProviderName } from './calls.js';
import { checkCustomerPhone, type DestinationRefusal } from '../../outbound/destination-policy.js';

/** Agent-placed calls, whatever the provider: the call logged on the case, and where agents may call. */
export interface OutboundDeps {
  db: pg.Pool;
  config: Config;
}

/**
 * Logs an agent-placed call on the case: an outbound call interaction plus its call row, before the provider is asked
 * to ring anyone, so every webhook of the call finds it.
 */
export async function placeOutboundCall(
  deps: OutboundDeps,
  a: { caseId: number; agentId: number; to: string; callSid: string; provider: VoiceProviderName; from?: string | null },
): Promise<CallRow> {
  const existing = await deps.db.query(`SELECT id FROM calls WHERE call_sid = $1`, [a.callSid]);
  if (existing.rowCount) return (await callById(deps.db, existing.rows[0].id))!;
  const from = a.from !== undefined ? a.from : await senderNumber(deps.db, 'voice', null);
  const id = await withTransaction(deps.db, async (tx) => {
    const c = await tx.query(`SELECT id, customer_id, queue_id FROM cases WHERE id = $1 FOR UPDATE`, [a.caseId]);
    if (!c.rowCount) throw notFound('case');
    const i = await tx.query(
      `INSERT INTO interactions (case_id, customer_id, channel, direction, kind, author_agent_id, from_address, to_address, text, provider, provider_message_id, delivery_status, metadata)
       VALUES ($1, $2, 'voice', 'outbound', 'call', $3, $4, $5, 'Outbound call', $8, $6, 'sending', $7) RETURNING id`,
      [a.caseId, c.rows[0].customer_id, a.agentId, from, a.to, a.callSid, JSON.stringify({ direction: 'outbound', callSid: a.callSid }), a.provider],
    );
    const call = await tx.query(
      `INSERT INTO calls (call_sid, direction, case_id, interaction_id, customer_number, our_number, queue_id, agent_id, state, provider)
       VALUES ($1, 'outbound', $2, $3, $4, $5, $6, $7, 'ringing', $8) RETURNING id`,
      [a.callSid, a.caseId, i.rows[0].id, a.to, from, c.rows[0].queue_id, a.agentId, a.provider],
    );
    await writeCaseEvent(tx, { caseId: a.caseId, type: 'interaction', agentId: a.agentId, channel: 'voice', data: { interactionId: i.rows[0].id, call: 'outbound' } });
    await tx.query(`UPDATE cases SET last_activity_at = now(), updated_at = now() WHERE id = $1`, [a.caseId]);
    return call.rows[0].id as number;
  });
  await syncCallInteraction(deps.db, id);
  return (await callById(deps.db, id))!;
}

/**
 * Agents call only the case customer's own numbers in allowed countries, never premium-rate ones (toll-fraud guard;
 * the rules live in outbound/destination-policy.ts). Null = the call may be placed.
 */
export async function outboundCallRefusal(deps: OutboundDeps, caseId: number, to: string): Promise<DestinationRefusal | null> {
  const c = await deps.db.query(`SELECT customer_id FROM cases WHERE id = $1`, [caseId]);
  if (!c.rowCount) throw notFound('case');
  return checkCustomerPhone(deps.db, deps.config.outbound.countries, { customerId: c.rows[0].customer_id, to });
}

