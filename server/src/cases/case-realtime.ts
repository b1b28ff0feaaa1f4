import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { NAMESPACES, rooms } from '../contracts/realtime.js';
import type { RealtimeEmitter } from '../realtime/emitter.js';
import type { Queryable } from '../db/pool.js';
import { timelineItem } from './timeline.js';
import { checkCase } from '../access/policy.js';
import { agentForToken } from '../auth/sessions.js';
import { socketToken } from '../plugins/realtime.js';
import { caseUpdatedEnvelope } from '../realtime/case-updated.js';
import { agentNamespace } from '../realtime/namespaces.js';
import { nudgeViewCounts } from '../realtime/view-counts.js';
import { listViewers, removeViewer, touchViewer, type ViewerStore } from '../realtime/case-viewers.js';
import { bestEffort } from '../lib/best-effort.js';

/** Tells everyone looking at a case (and its assignee) that it changed; clients refetch what they show. */
export async function emitCaseUpdated(rt: RealtimeEmitter, db: Queryable, caseId: number, extraAgentIds: (number | null | undefined)[] = []): Promise<void> {
  const e = await caseUpdatedEnvelope(db, caseId, { agentIds: extraAgentIds });
  if (e) {
    await rt.emit(e);
    nudgeViewCounts(rt);
  }
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
 * delivery status, typing indicators), and an agent typing on a chat case shows in the visitor's widget.
 */
export default fp(
  async (app: FastifyInstance) => {
    const nsp = agentNamespace(app.io);
    const viewers: ViewerStore = { redis: app.queues.kv.redis, prefix: app.queues.kv.prefix };
    const tellViewers = (caseId: number, list: Awaited<ReturnType<typeof listViewers>>) =>
      app.realtime.emit({ nsp: NAMESPACES.agent, room: rooms.case(caseId), event: 'case:viewers', payload: { caseId, viewers: list } });
    nsp.on('connection', (socket) => {
      const agent = socket.data.agent!;
      const me = { agentId: agent.id, name: agent.name, socketId: socket.id };
      /** cases this socket is counted as viewing (a case room it holds as assignee is not "viewing") */
      const viewing = new Set<number>();
      const leaveViewing = async (id: number) => {
        viewing.delete(id);
        const list = await bestEffort(removeViewer(viewers, id, me), app.log, 'removing a case viewer');
        if (list) await tellViewers(id, list);
      };
      // Joining a case's room re-checks the session (it may have ended since the socket connected) and the
      // access policy, with the role the session has now; a case the agent may not read is "not found".
      socket.on('case:watch', async (caseId: unknown, ack?: (r: { ok: boolean; reason?: string }) => void) => {
        const id = Number(caseId);
        if (!Number.isSafeInteger(id) || id < 1) return ack?.({ ok: false, reason: 'caseId must be a positive integer' });
        try {
          const token = socketToken(socket);
          const current = token ? await agentForToken(app.db, token) : null;
          if (!current) {
            ack?.({ ok: false, reason: 'session ended' });
            socket.disconnect(true);
            return;
          }
          const v = await checkCase(app.db, current, app.config.agentCaseAccess, id, 'read');
          if (!v.ok) return ack?.({ ok: false, reason: 'not_found' });
          await socket.join(rooms.case(id));
          viewing.add(id);
          ack?.({ ok: true });
          // everyone on the case (this socket too) learns who has it open; Redis away only loses the faces
          const seen = await bestEffort(touchViewer(viewers, id, me), app.log, 'recording a case viewer');
          if (seen) await tellViewers(id, seen.viewers);
        } catch (err) {
          app.log.warn({ err, caseId: id, agentId: agent.id }, 'case:watch failed');
          ack?.({ ok: false, reason: 'error' });
        }
      });
      // Leaving the view of a case keeps the room of a case the agent holds (routing joined it on assignment).
      socket.on('case:unwatch', async (caseId: unknown) => {
        const id = Number(caseId);
        if (!Number.isSafeInteger(id) || id < 1) return;
        if (viewing.has(id)) await leaveViewing(id);
        const r = await app.db.query(`SELECT assignee_id FROM cases WHERE id = $1`, [id]).catch(() => ({ rows: [] as { assignee_id: number | null }[] }));
        if (r.rows[0]?.assignee_id !== agent.id) await socket.leave(rooms.case(id));
      });
      // The open case view renews its lease; a lapsed viewer elsewhere is dropped and the room told.
      socket.on('case:here', async (caseId: unknown) => {
        const id = Number(caseId);
        if (!viewing.has(id)) return;
        const seen = await bestEffort(touchViewer(viewers, id, me), app.log, 'renewing a case viewer');
        if (seen?.changed) await tellViewers(id, seen.viewers);
      });
      socket.on('disconnect', () => {
        for (const id of [...viewing]) void leaveViewing(id);
      });
      // Colleagues on the case see who is typing; on a chat case the visitor's widget shows it too.
      socket.on('typing', async (p: unknown) => {
        const { caseId, typing } = (p ?? {}) as { caseId?: unknown; typing?: unknown };
        const id = Number(caseId);
        if (!Number.isSafeInteger(id) || id < 1) return;
        // only from a view the policy let this socket open (case:watch) or a case it holds
        if (!socket.rooms.has(rooms.case(id))) return;
        socket.to(rooms.case(id)).emit('typing', { caseId: id, from: 'agent', agentId: agent.id, name: agent.name, typing: typing === true });
        const v = await app.db
          .query(
            `SELECT ci.value FROM cases c JOIN customer_identities ci ON ci.customer_id = c.customer_id AND ci.kind = 'chat'
              WHERE c.id = $1 AND c.channel = 'chat' ORDER BY ci.id DESC LIMIT 1`,
            [id],
          )
          .catch(() => ({ rows: [] as { value: string }[] }));
        const visitorId = v.rows[0]?.value;
        if (visitorId) {
          await app.realtime.emit({ nsp: NAMESPACES.visitor, room: rooms.visitor(visitorId), event: 'typing', payload: { from: 'agent', name: agent.name, typing: typing === true } });
        }
      });
    });

    // Inbound messages reach the open case view and the assignee without a reload.
    const previous = app.ingestDeps.onIngested;
    app.ingestDeps.onIngested = async (result) => {
      await previous?.(result);
      // A case this message just opened has no one watching it and no assignee yet: nothing to tell.
      if (result.newCase) nudgeViewCounts(app.realtime);
      if (result.duplicate || (result.newCase && result.assigneeId === null)) return;
      await emitInteractionNew(app.realtime, app.db, result.interactionId).catch((err) => app.log.warn({ err }, 'interaction:new emit failed'));
    };
  },
  { name: 'workspace-realtime', dependencies: ['realtime', 'core'] },
);
