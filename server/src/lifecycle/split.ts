/**
 * Split: one interaction of a case (a customer writing about something else in the same thread) moves to
 * a new case of the same customer. The new case takes the interaction with its attachments (they hang
 * off the interaction), the source case's queue, priority, type and tags, SLA due times from now, and
 * goes onto the queue like any new case. Both cases get an event and a link; one audit entry.
 */
import { writeCaseEvent } from '../db/case-events.js';
import { audit } from '../audit/audit-log.js';
import { conflict, notFound } from '../lib/errors.js';
import { dueAfter, slaDueMinutes } from '../sla/policy.js';
import type { CasePriority, Channel } from '../contracts/vocabulary.js';
import type { RoutingDeps } from './deps.js';
import { applyEffects, noEffects, withEffectsTx } from './effects.js';
import { queueInTx } from './queue.js';

export interface SplitInput {
  caseId: number;
  interactionId: number;
  actorId: number;
  subject?: string;
}

export async function splitInteraction(deps: RoutingDeps, s: SplitInput): Promise<{ caseId: number; number: number; fromCaseId: number }> {
  const fx = noEffects();
  const res = await withEffectsTx(deps.db, fx, async (tx) => {
    const c = (await tx.query(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [s.caseId])).rows[0];
    if (!c) throw notFound('case');
    if (c.merged_into_id) throw conflict(`case #${c.number} was merged into another case`);
    const i = (await tx.query(`SELECT id, channel, direction, subject FROM interactions WHERE id = $1 AND case_id = $2 FOR UPDATE`, [s.interactionId, s.caseId])).rows[0];
    if (!i) throw notFound('interaction');
    if (i.direction === 'internal') throw conflict('an internal note stays with its case; split out a message instead');
    const others = await tx.query(`SELECT 1 FROM interactions WHERE case_id = $1 AND id <> $2 AND direction <> 'internal' LIMIT 1`, [s.caseId, s.interactionId]);
    if (!others.rowCount) throw conflict('the only message of a case cannot be split out of it');
    const channel = i.channel as Channel;
    const due = slaDueMinutes(channel, c.priority as CasePriority);
    const subject = (s.subject?.trim() || i.subject || c.subject || '').slice(0, 500);
    const n = await tx.query(
      `INSERT INTO cases (customer_id, subject, type, priority, channel, queue_id, tags, language, first_response_due_at, resolution_due_at, last_activity_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${dueAfter('$9')}, ${dueAfter('$10')}, now()) RETURNING id, number`,
      [c.customer_id, subject, c.type, c.priority, channel, c.queue_id, c.tags, c.language, due.firstResponseMinutes, due.resolutionMinutes],
    );
    const newId = Number(n.rows[0].id);
    await tx.query(`UPDATE interactions SET case_id = $2, updated_at = now() WHERE id = $1`, [s.interactionId, newId]);
    await tx.query(`INSERT INTO case_links (case_id, linked_case_id, kind) VALUES ($1, $2, 'related') ON CONFLICT DO NOTHING`, [newId, s.caseId]);
    await writeCaseEvent(tx, { caseId: newId, type: 'created', agentId: s.actorId, data: { splitFrom: s.caseId, interactionId: s.interactionId } });
    await writeCaseEvent(tx, { caseId: s.caseId, type: 'updated', agentId: s.actorId, data: { splitTo: newId, interactionId: s.interactionId } });
    await queueInTx(tx, newId, 'queued', { after: 'split' });
    fx.requeued.push(newId);
    fx.caseUpdates.push({ caseId: s.caseId, event: 'split', agentIds: [] }, { caseId: newId, event: 'created', agentIds: [] });
    await audit(tx, { actorId: s.actorId, action: 'case.split', entity: 'case', entityId: s.caseId, after: { interactionId: s.interactionId, newCaseId: newId } });
    return { caseId: newId, number: Number(n.rows[0].number), fromCaseId: s.caseId };
  });
  await applyEffects(deps, fx);
  return res;
}
