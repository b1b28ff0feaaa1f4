import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import pino from 'pino';
import { createTestContext, listenLocally, type TestContext } from './context.js';
import { makeAgent, makeQueue } from './factories.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import type { Channel, CasePriority } from '../../server/src/contracts/vocabulary.js';
import type { OfferPayload, OfferRescindedPayload, PresencePayload, AcceptAck, SimpleAck } from '../../server/src/contracts/realtime.js';
import { startRouter, type RunningRouter } from '../../workers/src/processors/router.js';
import { createPool } from '../../server/src/db/pool.js';
import type pg from 'pg';

/** Waits until `check` is truthy (polling), or fails with `what` after `ms`. */
export async function until<T>(check: () => T | Promise<T>, what: string, ms = 5000, everyMs = 20): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class AgentClient {
  offers: OfferPayload[] = [];
  rescinded: OfferRescindedPayload[] = [];
  presence: PresencePayload[] = [];
  events: { event: string; payload: unknown; at: number }[] = [];
  constructor(
    public id: number,
    public token: string,
    public socket: Socket,
  ) {
    socket.on('offer', (o: OfferPayload) => {
      this.offers.push(o);
      this.events.push({ event: 'offer', payload: o, at: Date.now() });
    });
    socket.on('offer:rescinded', (r: OfferRescindedPayload) => {
      this.rescinded.push(r);
      this.events.push({ event: 'offer:rescinded', payload: r, at: Date.now() });
    });
    socket.on('presence', (p: PresencePayload) => this.presence.push(p));
    socket.onAny((event, payload) => {
      if (event !== 'offer' && event !== 'offer:rescinded') this.events.push({ event, payload, at: Date.now() });
    });
  }
  /** Offers received and not rescinded or answered yet. */
  open(): OfferPayload[] {
    return this.offers.filter((o) => !this.rescinded.some((r) => r.offerId === o.offerId) && !this.answered.has(o.offerId));
  }
  answered = new Set<string>();
  async nextOffer(pred: (o: OfferPayload) => boolean = () => true, ms = 5000): Promise<OfferPayload> {
    return until(() => this.open().find(pred), `an offer for agent ${this.id}`, ms);
  }
  accept(offerId: string): Promise<AcceptAck> {
    this.answered.add(offerId);
    return this.socket.timeout(5000).emitWithAck('offer:accept', { offerId });
  }
  decline(offerId: string): Promise<SimpleAck> {
    this.answered.add(offerId);
    return this.socket.timeout(5000).emitWithAck('offer:decline', { offerId });
  }
  setPresence(presence: 'available' | 'away' | 'offline'): Promise<SimpleAck> {
    return this.socket.timeout(5000).emitWithAck('presence:set', { presence });
  }
}

export interface Harness {
  ctx: TestContext;
  base: string;
  routers: RunningRouter[];
  pools: pg.Pool[];
  startRouter(): Promise<RunningRouter>;
  agent(o?: Parameters<typeof makeAgent>[1] & { available?: boolean }): Promise<AgentClient>;
  connect(agentId: number, token: string): Promise<AgentClient>;
  queue(o?: Parameters<typeof makeQueue>[1]): ReturnType<typeof makeQueue>;
  inbound(o: { channel: Channel; queueId?: number; priority?: CasePriority; customer?: string; vip?: boolean; subject?: string }): Promise<number>;
  close(): Promise<void>;
}

const quietLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** App listening on a port + N routers (each with its own Postgres pool and Redis connections). */
export async function createHarness(env: Record<string, string> = {}, routers = 1): Promise<Harness> {
  const ctx = await createTestContext({ ROUTING_SWEEP_MS: '600000', ...env });
  const base = await listenLocally(ctx);
  const sockets: Socket[] = [];
  let n = 0;
  const h: Harness = {
    ctx,
    base,
    routers: [],
    pools: [],
    async startRouter() {
      const pool = createPool(ctx.db.url, 10);
      h.pools.push(pool);
      const r = await startRouter({ db: pool, config: ctx.config, log: quietLog });
      h.routers.push(r);
      return r;
    },
    async connect(agentId, token) {
      const s = connect(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.on('connect', () => resolve());
        s.on('connect_error', reject);
      });
      return new AgentClient(agentId, token, s);
    },
    async agent(o = {}) {
      const a = await makeAgent(ctx.db.pool, o);
      const r = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
      const client = await h.connect(a.id, r.json().token);
      if (o.available) {
        const ack = await client.setPresence('available');
        if (!ack.ok) throw new Error('could not set presence');
      }
      return client;
    },
    queue: (o) => makeQueue(ctx.db.pool, o),
    async inbound(o) {
      n++;
      const who = o.customer ?? `cust-${randomBytes(4).toString('hex')}`;
      if (o.vip) {
        const c = await ctx.db.pool.query(`INSERT INTO customers (name, tier) VALUES ($1, 'vip') RETURNING id`, [who]);
        await ctx.db.pool.query(`INSERT INTO customer_identities (customer_id, kind, value) VALUES ($1, 'api', $2)`, [c.rows[0].id, who]);
      }
      const providerMessageId = `m-${n}-${randomBytes(4).toString('hex')}`;
      // as a provider does: a 503 (the hub could not commit in time on a loaded machine) is retried with the same id
      const res = await withProviderRetries(() => ingest(ctx.app.ingestDeps, {
        channel: o.channel,
        provider: 'test',
        providerMessageId,
        from: { kind: 'api', value: who },
        subject: o.subject ?? `case ${n}`,
        text: 'hello',
        raw: {},
        caseDefaults: { queueId: o.queueId, priority: o.priority },
        threading: { forceNewCase: true },
      }));
      return res.caseId;
    },
    async close() {
      sockets.forEach((s) => s.disconnect());
      for (const r of h.routers) await r.close();
      for (const p of h.pools) await p.end().catch(() => {});
      await ctx.close();
    },
  };
  for (let i = 0; i < routers; i++) await h.startRouter();
  return h;
}

/** Case events of one type, in order. */
export async function caseEvents(pool: pg.Pool, caseId: number) {
  return (await pool.query(`SELECT type, agent_id, data FROM case_events WHERE case_id = $1 ORDER BY id`, [caseId])).rows as {
    type: string;
    agent_id: number | null;
    data: Record<string, unknown>;
  }[];
}

/**
 * Agents whose matching state (agent_routing.used, kept by triggers) differs from the load recomputed
 * from held cases and pending offers. Empty when the incremental state is exact.
 */
export async function loadDrift(db: Pick<pg.Pool, 'query'>): Promise<{ agentId: number; kept: Record<string, number>; actual: Record<string, number> }[]> {
  const r = await db.query(
    `SELECT ar.agent_id, ar.used, COALESCE(x.used, '{}'::jsonb) AS actual
       FROM agent_routing ar
       LEFT JOIN (
         SELECT agent_id, jsonb_object_agg(channel, n) AS used FROM (
           SELECT agent_id, channel, count(*) AS n FROM (
             SELECT assignee_id AS agent_id, channel FROM cases WHERE assignee_id IS NOT NULL AND status IN ('new', 'open', 'pending')
             UNION ALL
             SELECT o.agent_id, c.channel FROM offers o JOIN cases c ON c.id = o.case_id WHERE o.status = 'pending'
           ) u GROUP BY agent_id, channel) v GROUP BY agent_id
       ) x ON x.agent_id = ar.agent_id`,
  );
  const nonZero = (m: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(m).filter(([, n]) => Number(n) > 0).map(([k, n]) => [k, Number(n)] as const).sort(([a], [b]) => a.localeCompare(b)));
  return r.rows
    .map((x) => ({ agentId: Number(x.agent_id), kept: nonZero(x.used), actual: nonZero(x.actual) }))
    .filter((x) => JSON.stringify(x.kept) !== JSON.stringify(x.actual));
}

/** Retries a 503 the way a provider does (same message id, after a pause); anything else is thrown. */
async function withProviderRetries<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || (err as { statusCode?: number }).statusCode !== 503) throw err;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): { rand: () => number; pick: <T>(xs: T[]) => T } {
  let state = seed;
  const rand = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return { rand, pick: (xs) => xs[Math.floor(rand() * xs.length)] };
}
