import fp from 'fastify-plugin';
import { Server, type Socket } from 'socket.io';
import { Worker } from 'bullmq';
import { fastifyCookie } from '@fastify/cookie';
import type { Redis } from 'ioredis';
import { agentForToken, type SessionAgent } from '../auth/sessions.js';
import { createRedis } from '../lib/redis.js';
import { NAMESPACES, rooms, type RealtimeEnvelope } from '../contracts/realtime.js';
import { QUEUE_NAMES } from '../contracts/jobs.js';
import { ioEmitter, socketAdapter, type RealtimeEmitter } from '../realtime/emitter.js';
import { cancelViewNudges } from '../realtime/view-counts.js';
import { SESSION_COOKIE } from './auth.js';
import { settleWithin } from '../lib/with-timeout.js';
import { originPolicy } from '../lib/origins.js';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
    realtime: RealtimeEmitter;
  }
}

declare module 'socket.io' {
  interface SocketData {
    agent?: SessionAgent;
  }
}

/**
 * A handshake refused because the server cannot decide right now. socket.io-client does not retry a
 * refused handshake by itself, so the reason travels in `data` for the client to tell apart from
 * "unauthorized"/"forbidden" (which it must not retry).
 */
export function transientRefusal(retryAfterMs = 2000): Error {
  const e = new Error('unavailable') as Error & { data?: { retryable: boolean; retryAfterMs: number } };
  e.data = { retryable: true, retryAfterMs };
  return e;
}

export function socketToken(socket: Socket): string | null {
  const auth = socket.handshake.auth as { token?: string } | undefined;
  if (auth?.token) return auth.token;
  const cookie = socket.handshake.headers.cookie;
  return cookie ? (fastifyCookie.parse(cookie)[SESSION_COOKIE] ?? null) : null;
}

/**
 * Socket.IO on the same HTTP server. The Redis Streams adapter makes rooms span nodes and
 * survives short Redis outages; workers and routers write to the same stream (realtime/emitter.ts streamEmitter); code that only has the queues
 * reaches sockets through the realtime queue, relayed below.
 */
export default fp(
  async (app) => {
    const origins = originPolicy(app.config);
    const adapterRedis: Redis = createRedis(app.config.redisUrl, 'worker');
    const io = new Server(app.server, {
      path: '/socket.io',
      adapter: socketAdapter(adapterRedis, app.config.queuePrefix),
      serveClient: false,
      // Credentials (cookies) only for the hub's own pages; any other site (the chat widget embedded
      // on the business's sites, authenticating with its visitor token) gets CORS without credentials.
      cors: (req, cb) => {
        const origin = req.headers.origin;
        cb(null, origin && origins.isAllowed(origin) ? { origin, credentials: true } : { origin: '*', credentials: false });
      },
    });
    app.decorate('io', io);
    app.decorate('realtime', ioEmitter(io, app.log));

    const staffAuth = (roles?: string[]) => async (socket: Socket, next: (err?: Error) => void) => {
      try {
        const token = socketToken(socket);
        // A handshake signed in by cookie is a browser's: it must come from one of the hub's pages.
        if (token && !(socket.handshake.auth as { token?: string } | undefined)?.token && !origins.check(socket.handshake.headers).ok) {
          return next(new Error('forbidden origin'));
        }
        const agent = token ? await agentForToken(app.db, token) : null;
        if (!agent) return next(new Error('unauthorized'));
        if (roles && !roles.includes(agent.role)) return next(new Error('forbidden'));
        socket.data.agent = agent;
        next();
      } catch (err) {
        // The session could not be checked (database away): not a refusal. The client retries with
        // backoff; the browser never sees the database's error text.
        app.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'socket auth could not check the session');
        next(transientRefusal());
      }
    };

    const agentNsp = io.of(NAMESPACES.agent);
    agentNsp.use(staffAuth());
    agentNsp.on('connection', (socket) => {
      const agent = socket.data.agent!;
      void socket.join([rooms.agent(agent.id), rooms.allAgents]);
    });

    const supNsp = io.of(NAMESPACES.supervisor);
    supNsp.use(staffAuth(['supervisor', 'admin']));
    supNsp.on('connection', (socket) => void socket.join(rooms.supervisors));

    // Events produced by workers are emitted by whichever server node picks them up.
    const workerRedis = createRedis(app.config.redisUrl, 'worker');
    const relay = new Worker<RealtimeEnvelope>(
      QUEUE_NAMES.realtime,
      async (job) => {
        io.of(job.data.nsp).to(job.data.room).emit(job.data.event, job.data.payload);
      },
      { connection: workerRedis, prefix: app.config.queuePrefix, concurrency: 50 },
    );
    relay.on('error', (err) => app.log.warn({ err }, 'realtime relay error'));

    app.addHook('preClose', async () => {
      cancelViewNudges();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // With Redis unreachable a graceful worker close would wait forever; bound it.
      await settleWithin(relay.close(), 2000);
      workerRedis.disconnect();
      adapterRedis.disconnect();
    });
  },
  { name: 'realtime', dependencies: ['core'] },
);
