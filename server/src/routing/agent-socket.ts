/**
 * Routing and presence over Socket.IO on every server node.
 *
 * /agent, client → server:
 *   `presence:set` {presence}                 ack {ok, presence: {presence, busy, load}}
 *   `offer:accept` {offerId}                   ack {ok: true, caseId} | {ok: false, reason}
 *   `offer:decline` {offerId}                  ack {ok} | {ok: false, reason}
 * server → client: `offer`, `offer:rescinded`, `presence`, `case:updated`, `queue:updated`
 * (payloads typed in contracts/realtime.ts). On connect an agent's sockets join the rooms of the
 * cases the agent holds, receive the current presence and any offers still in flight.
 *
 * A disconnect starts a grace period (PRESENCE_GRACE_MS); when it ends with no socket of that
 * agent left on any node, the agent goes Offline (offers withdrawn and re-routed, open cases
 * requeued). The grace timer is a delayed job, so it survives the node that started it.
 *
 * /supervisor: the current `stats:queues` / `stats:agents` on connect; routers push changes.
 */
import fp from 'fastify-plugin';
import { Worker } from 'bullmq';
import { QUEUE_NAMES, type AgentSocketJob } from '../contracts/jobs.js';
import { rooms, type AcceptAck, type SimpleAck, type PresencePayload } from '../contracts/realtime.js';
import { SETTABLE_PRESENCES, type SettablePresence } from '../contracts/vocabulary.js';
import { createRedis } from '../lib/redis.js';
import type { RoutingDeps } from '../lifecycle/deps.js';
import { acceptOffer, declineOffer, listAgentOffers } from '../lifecycle/offers.js';
import { setPresence } from '../lifecycle/presence.js';
import { presencePayload } from './load.js';
import { agentStats, queueStats } from './stats.js';
import { settleWithin } from '../lib/with-timeout.js';
import { dropLease, lastDisconnectKey as disconnectKeyOf, renewLeases } from '../lifecycle/leases.js';
import { bestEffort } from '../lib/best-effort.js';
import { HttpError } from '../lib/errors.js';
import { agentNamespace, supervisorNamespace } from '../realtime/namespaces.js';
import { inlineAssignedFor } from '../channels/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    routingDeps: RoutingDeps;
    /** routingDeps on the answers pool (app.answersDb): for accepting and declining offers */
    answerDeps: RoutingDeps;
  }
}

type Ack<T> = ((r: T) => void) | undefined;
const reply = <T>(ack: Ack<T>, r: T) => {
  if (typeof ack === 'function') ack(r);
};
/** An acknowledgement given at most once: the first answer (at commit) wins over a later failure of the effects. */
const once = <T>(ack: Ack<T>) => {
  let done = false;
  return (r: T) => {
    if (done) return;
    done = true;
    reply(ack, r);
  };
};

export default fp(
  async (app) => {
    const deps: RoutingDeps = {
      db: app.routingDb,
      queues: app.queues,
      realtime: app.realtime,
      settings: app.config.routing,
      log: app.log,
      // a chat's `agent:joined` goes out from here after commit, not through a lifecycle job
      inlineAssigned: inlineAssignedFor,
    };
    app.decorate('routingDeps', deps);
    const answerDeps: RoutingDeps = { ...deps, db: app.answersDb };
    app.decorate('answerDeps', answerDeps);
    const agentNsp = agentNamespace(app.io);
    const lastDisconnectKey = (agentId: number) => disconnectKeyOf(app.config.queuePrefix, agentId);
    const { presenceLeaseMs, presenceHeartbeatMs } = app.config.routing;

    // Presence leases of the sockets this node holds (lifecycle/leases.ts): renewed every heartbeat while this process lives.
    const localLeases = () => [...agentNsp.sockets.values()].filter((s) => s.data.agent).map((s) => ({ agentId: s.data.agent!.id, socketId: s.id }));
    const leaseTimer = setInterval(() => {
      void renewLeases(app.redis, app.config.queuePrefix, localLeases(), Date.now(), presenceLeaseMs).catch((err) =>
        app.log.warn({ err }, 'presence lease renewal failed'),
      );
    }, presenceHeartbeatMs);
    leaseTimer.unref();

    agentNsp.on('connection', (socket) => {
      const agent = socket.data.agent;
      if (!agent) return;
      void renewLeases(app.redis, app.config.queuePrefix, [{ agentId: agent.id, socketId: socket.id }], Date.now(), presenceLeaseMs).catch((err) =>
        app.log.warn({ err }, 'presence lease failed'),
      );
      void (async () => {
        try {
          const held = await app.db.query(`SELECT id FROM cases WHERE assignee_id = $1 AND status IN ('new', 'open', 'pending')`, [agent.id]);
          await socket.join(held.rows.map((r) => rooms.case(r.id)));
          socket.emit('presence', await presencePayload(app.db, agent.id));
          for (const o of await listAgentOffers(deps, agent.id)) socket.emit('offer', o);
        } catch (err) {
          app.log.warn({ err, agentId: agent.id }, 'could not restore agent socket state');
        }
      })();

      socket.on('presence:set', async (p: { presence?: string; breakReasonId?: unknown } | undefined, ack: Ack<SimpleAck & { presence?: PresencePayload }>) => {
        if (!p || !SETTABLE_PRESENCES.includes(p.presence as SettablePresence)) return reply(ack, { ok: false, reason: 'presence must be available, away or offline' });
        const breakReasonId = p.breakReasonId ?? null;
        if (breakReasonId !== null && !(Number.isSafeInteger(breakReasonId) && (breakReasonId as number) > 0)) return reply(ack, { ok: false, reason: 'breakReasonId must be an id' });
        try {
          const r = await setPresence(deps, agent.id, p.presence as SettablePresence, 'agent', { breakReasonId: breakReasonId as number | null });
          reply(ack, { ok: true, presence: r.presence });
        } catch (err) {
          if (err instanceof HttpError) return reply(ack, { ok: false, reason: err.message });
          app.log.error({ err }, 'presence:set failed');
          reply(ack, { ok: false, reason: 'error' });
        }
      });

      socket.on('offer:accept', async (p: { offerId?: string } | undefined, ack: Ack<AcceptAck>) => {
        if (!p || typeof p.offerId !== 'string') return reply(ack, { ok: false, reason: 'offerId required' });
        const answer = once(ack);
        try {
          // answered at commit; the effects (rooms, events, presence) follow without holding the agent up
          answer(await acceptOffer(answerDeps, { offerId: p.offerId, agentId: agent.id }, { onDecided: answer }));
        } catch (err) {
          app.log.error({ err }, 'offer:accept failed');
          answer({ ok: false, reason: 'error' });
        }
      });

      socket.on('offer:decline', async (p: { offerId?: string } | undefined, ack: Ack<SimpleAck>) => {
        if (!p || typeof p.offerId !== 'string') return reply(ack, { ok: false, reason: 'offerId required' });
        const answer = once(ack);
        try {
          answer(await declineOffer(answerDeps, { offerId: p.offerId, agentId: agent.id }, { onDecided: answer }));
        } catch (err) {
          app.log.error({ err }, 'offer:decline failed');
          answer({ ok: false, reason: 'error' });
        }
      });

      socket.on('disconnect', () => {
        const disconnectedAt = Date.now();
        void bestEffort(dropLease(app.redis, app.config.queuePrefix, agent.id, socket.id), app.log, 'dropping the presence lease');
        // only the latest disconnect's timer decides, so an earlier one cannot cut a later grace short
        void bestEffort(
          app.redis.set(lastDisconnectKey(agent.id), String(disconnectedAt), 'PX', app.config.routing.presenceGraceMs + 60_000),
          app.log,
          'recording the disconnect time',
        );
        void bestEffort(
          app.queues.agentSockets.add('grace', { type: 'grace-expired', agentId: agent.id, disconnectedAt }, { delay: app.config.routing.presenceGraceMs }),
          app.log,
          'scheduling the presence grace check',
        );
      });
    });

    supervisorNamespace(app.io).on('connection', (socket) => {
      void bestEffort(
        (async () => {
          const at = new Date().toISOString();
          const [qs, as] = await Promise.all([queueStats(app.db), agentStats(app.db)]);
          socket.emit('stats:queues', { at, queues: qs });
          socket.emit('stats:agents', { at, agents: as });
        })(),
        app.log,
        'first stats for a supervisor socket',
      );
    });

    // Jobs that need sockets: any server node takes them; the adapter reaches sockets on every node.
    const conn = createRedis(app.config.redisUrl, 'worker');
    const worker = new Worker<AgentSocketJob>(
      QUEUE_NAMES.agentSockets,
      async (job) => {
        const d = job.data;
        if (d.type === 'room') {
          const target = agentNsp.in(rooms.agent(d.agentId));
          if (d.action === 'join') target.socketsJoin(rooms.case(d.caseId));
          else target.socketsLeave(rooms.case(d.caseId));
          return;
        }
        const latest = Number(await bestEffort(app.redis.get(lastDisconnectKey(d.agentId)), app.log, 'reading the last disconnect time'));
        if (latest && latest > d.disconnectedAt) return;
        const sockets = await agentNsp.in(rooms.agent(d.agentId)).fetchSockets();
        if (sockets.length) return; // came back within the grace period
        await setPresence(deps, d.agentId, 'offline', 'disconnected');
      },
      { connection: conn, prefix: app.config.queuePrefix, concurrency: 20 },
    );
    worker.on('error', (err) => app.log.warn({ err }, 'agent-sockets worker error'));
    worker.on('failed', (job, err) => app.log.warn({ err, job: job?.data }, 'agent-sockets job failed'));

    app.addHook('preClose', async () => {
      clearInterval(leaseTimer);
      await settleWithin(worker.close(), 2000);
      conn.disconnect();
    });
  },
  { name: 'routing-sockets', dependencies: ['core', 'realtime'] },
);
