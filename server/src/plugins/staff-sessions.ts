/**
 * A staff session and every socket opened with it end together.
 *
 * Each /agent and /supervisor socket joins the room of its agent and of its session. Ending sessions
 * (sign-out, deactivation, role change, password change) deletes the session rows and then disconnects
 * those rooms through the Socket.IO adapter, which reaches sockets on every server node. As a second
 * line, a socket re-checks its session before handling an event (at most every few seconds) and is
 * disconnected when the session expires, so nothing outlives its session even if a broadcast was lost.
 */
import fp from 'fastify-plugin';
import type { Socket } from 'socket.io';
import { agentForToken, deleteAgentSessions, deleteSession } from '../auth/sessions.js';
import { NAMESPACES, rooms } from '../contracts/realtime.js';
import { socketToken } from './realtime.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Ends sessions of an agent and disconnects their sockets on every node:
     * `{ all: true }` every session; `{ except: key }` all but that one (password change); `{ token }` one session (sign-out).
     */
    endStaffSessions(target: { agentId: number; all: true } | { agentId: number; except: string } | { token: string }): Promise<void>;
  }
}

const STAFF_NAMESPACES = [NAMESPACES.agent, NAMESPACES.supervisor];
/** How stale a socket's last session check may be before an incoming event re-checks it. */
const RECHECK_MS = 5_000;
/** setTimeout cannot wait longer than about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export default fp(
  async (app) => {
    const disconnect = (room: string, except?: string) => {
      for (const nsp of STAFF_NAMESPACES) {
        const target = except ? app.io.of(nsp).in(room).except(except) : app.io.of(nsp).in(room);
        target.disconnectSockets(true);
      }
    };

    app.decorate('endStaffSessions', async (target: Parameters<typeof app.endStaffSessions>[0]) => {
      if ('token' in target) {
        const ended = await deleteSession(app.db, target.token);
        if (ended) disconnect(rooms.session(ended.key));
        return;
      }
      const except = 'except' in target ? target.except : undefined;
      await deleteAgentSessions(app.db, target.agentId, except);
      disconnect(rooms.agent(target.agentId), except ? rooms.session(except) : undefined);
    });

    const onConnection = (socket: Socket) => {
      const agent = socket.data.agent;
      if (!agent?.session) return;
      void socket.join([rooms.agent(agent.id), rooms.session(agent.session.key)]);

      const untilExpiry = Math.min(Math.max(agent.session.expiresAt.getTime() - Date.now(), 0), MAX_TIMER_MS);
      const expiry = setTimeout(() => socket.disconnect(true), untilExpiry);
      expiry.unref();
      socket.on('disconnect', () => clearTimeout(expiry));

      let checkedAt = Date.now();
      socket.use((_packet, next) => {
        if (Date.now() - checkedAt < RECHECK_MS) return next();
        const token = socketToken(socket);
        void (token ? agentForToken(app.db, token) : Promise.resolve(null)).then(
          (current) => {
            if (!current || current.role !== agent.role) {
              socket.disconnect(true);
              return;
            }
            checkedAt = Date.now();
            next();
          },
          (err) => {
            // a database blip must not end a live session: let the event through and check again next time
            app.log.warn({ err, agentId: agent.id }, 'could not re-check a staff socket session');
            next();
          },
        );
      });
    };
    for (const nsp of STAFF_NAMESPACES) app.io.of(nsp).on('connection', onConnection);
  },
  { name: 'staff-sessions', dependencies: ['core', 'realtime'] },
);
