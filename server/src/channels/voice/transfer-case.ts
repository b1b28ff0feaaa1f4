import type { FastifyInstance } from 'fastify';
import { transferCase } from '../../lifecycle/transfer.js';

/**
 * Moves the case of a transferred call to its new holder through routing: a queue (the case waits again, keeping
 * its place) or an agent (assigned at once, within their capacity — 409 otherwise).
 */
export async function transferCaseForCall(app: FastifyInstance, t: { caseId: number; actorId: number; toAgentId?: number; toQueueId?: number }): Promise<void> {
  await transferCase(
    { db: app.db, queues: app.queues, realtime: app.realtime, log: app.log },
    { caseId: t.caseId, actorId: t.actorId, toAgentId: t.toAgentId, toQueueId: t.toQueueId },
  );
}
