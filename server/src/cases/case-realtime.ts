import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Socket } from 'socket.io';
import { NAMESPACES, rooms } from '../contracts/realtime.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';
import type { Queryable } from '../db/pool.js';
import { timelineItem } from './timeline.js';

/** Tells everyone looking at a case (and its assignee) that it changed; clients refetch what they show. */
export async function emitCaseUpdated(rt: RealtimeEmitter, db: Queryable, caseId: number, extraAgentIds: (number | null | undefined)[] = []): Promise<void> {
  const r = await db.query(`SELECT assignee_id, status, priority, routing_state FROM cases WHERE id = $1`, [caseId]);
  const c = r.rows[0];
  const room = [rooms.case(caseId), ...new Set([c?.assignee_id, ...extraAgentIds].filter((x): x is number => !!x).map(rooms.agent))];
  await rt.emit({ nsp: NAMESPACES.agent, room, event: 'case:updated', payload: { caseId, status: c?.status, priority: c?.priority, assigneeId: c?.assignee_id ?? null, routingState: c?.routing_state } });
}

/** A new timeline entry, for the case room and the case's assignee. */
export async function emitInteractionNew(rt: RealtimeEmitter, db: Queryable, interactionId: number): Promise<void> {
  const item = await timelineItem(db, interactionId);
  if (!item) return;
  const r = await db.query(`SELECT assignee_id, customer_id FROM cases WHERE id = $1`, [item.caseId]);
  const room = [rooms.case(item.caseId), ...(r.rows[0]?.assignee_id ? [rooms.agent(r.rows[0].assignee_id)] : [])];
  await rt.emit({ nsp: NAMESPACES.agent, room, event: 'interaction:new', payload: { caseId: item.caseId, customerId: r.rows[0]?.customer_id, interactionId, interaction: item } });
}

/**
 * Workspace socket events on /agent: an open case view joins the case's room (live timeline,
 * delivery status, typing indicators).
 */
export default fp(
  async (app: FastifyInstance) => {
    const nsp = app.io.of(NAMESPACES.agent);
    nsp.on('connection', (socket: Socket) => {
      const agent = socket.data.agent!;
      socket.on('case:watch', async (caseId: unknown, ack?: (r: { ok: boolean }) => void) => {
        const id = Number(caseId);
        if (!Number.isSafeInteger(id) || id < 1) return ack?.({ ok: false });
        // leave the previous case: one case view per socket
        for (const room of socket.rooms) if (room.startsWith('case:') && room !== rooms.case(id)) await socket.leave(room);
        await socket.join(rooms.case(id));
        ack?.({ ok: true });
      });
      socket.on('case:unwatch', async (caseId: unknown) => {
        await socket.leave(rooms.case(Number(caseId)));
      });
      // Colleagues watching the same case see who is typing (the chat channel forwards it to the visitor).
      socket.on('typing', (p: unknown) => {
        const { caseId, typing } = (p ?? {}) as { caseId?: unknown; typing?: unknown };
        const id = Number(caseId);
        if (!Number.isSafeInteger(id) || id < 1) return;
        socket.to(rooms.case(id)).emit('typing', { caseId: id, from: 'agent', agentId: agent.id, name: agent.name, typing: typing === true });
      });
    });

    // Inbound messages reach the open case view and the assignee without a reload.
    const previous = app.ingestDeps.onIngested;
    app.ingestDeps.onIngested = async (result) => {
      await previous?.(result);
      if (!result.duplicate) await emitInteractionNew(app.realtime, app.db, result.interactionId).catch((err) => app.log.warn({ err }, 'interaction:new emit failed'));
    };
  },
  { name: 'workspace-realtime', dependencies: ['realtime', 'core'] },
);
