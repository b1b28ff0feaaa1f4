import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { freshDatabase, testConfig, type TestDb } from '../helpers/context.js';
import { makeAgent, makeQueue } from '../helpers/factories.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { hubEnv, spawnHubProcess } from '../helpers/hub-process.js';
import { freePort, waitFor, waitForPort } from '../helpers/wait.js';
import type { OfferPayload } from '../../server/src/contracts/realtime.js';

// Two hub server nodes, one router/worker process, 10 socket agents (5 on each node). Node A is
// killed with SIGKILL while its agents hold live chats and have offers pending. The agents whose
// client reconnects (to node B, as the UI does) come back Available and get their offers again;
// the ones that never return go Offline within the grace (their presence leases, shorter than the
// grace, ran out and the grace passed since their last renewal), and their offers and live work go
// to the agents still there. Nothing is left stuck.
const GRACE_MS = 3000;
const LEASE_SECONDS = 2;
const HEARTBEAT_SECONDS = 1;
const SWEEP_MS = 500;
// what the README promises: Offline within max(grace, lease) of the node's death, plus a sweep;
// the rest is room for a busy machine to run the sweep's transaction
const OFFLINE_BOUND_MS = Math.max(GRACE_MS, LEASE_SECONDS * 1000) + SWEEP_MS + 2000;
const PER_NODE = 5;
const RETURNING = 3; // of node A's agents; the other 2 never come back

let db: TestDb;
let redis: PrivateRedis;
let storage: string;
let env: Record<string, string>;
const procs: ChildProcess[] = [];
const sockets: Socket[] = [];
let unexpectedExits = 0;
// what the first case leaves running for the second: the surviving node and the agents connected to it
let survivor: { proc: ChildProcess; base: string } | null = null;
let present: Agent[] = [];

function spawnHub(script: string, extra: Record<string, string> = {}): ChildProcess {
  const p = spawnHubProcess(script, { ...env, ...extra }, () => unexpectedExits++);
  procs.push(p);
  return p;
}

async function startNode(): Promise<{ proc: ChildProcess; base: string }> {
  const port = await freePort();
  const proc = spawnHub('server/src/server.ts', { PORT: String(port), HOST: '127.0.0.1' });
  // a generous start-up bound: the machine may be shared, and tsx compiles the server first
  await waitForPort(port, true, 'hub server', 60_000);
  return { proc, base: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  db = await freshDatabase();
  redis = await startPrivateRedis();
  storage = await mkdtemp(path.join(os.tmpdir(), 'ch-fault-'));
  const config = testConfig(db.url, { REDIS_URL: redis.url }, storage);
  env = hubEnv({ databaseUrl: db.url, redisUrl: redis.url, queuePrefix: config.queuePrefix, storageDir: storage }, {
    INBOUND_API_KEY: 'test-inbound-key-0123456789',
    UI_DIST_DIR: '/nonexistent',
    PRESENCE_GRACE_MS: String(GRACE_MS),
    PRESENCE_LEASE_SECONDS: String(LEASE_SECONDS),
    PRESENCE_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
    ROUTING_SWEEP_MS: String(SWEEP_MS),
    // offers must not simply time out during the test: what frees them is the lease sweep
    ROUTING_OFFER_TIMEOUT_LIVE_MS: '300000',
    ROUTING_OFFER_TIMEOUT_ASYNC_MS: '300000',
  });
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await redis?.stop().catch(() => {});
  await db?.drop();
  if (storage) await rm(storage, { recursive: true, force: true });
});

interface Agent {
  id: number;
  token: string;
  socket: Socket;
  connected: boolean;
  /** accepts every offer it gets (an agent at the desk) */
  accepting: boolean;
}

function attach(a: Agent, base: string): Promise<void> {
  const s = connect(`${base}/agent`, { auth: { token: a.token }, transports: ['websocket'], reconnection: false });
  sockets.push(s);
  a.socket = s;
  s.on('offer', (o: OfferPayload) => {
    if (a.accepting) void s.timeout(5000).emitWithAck('offer:accept', { offerId: o.offerId }).catch(() => {});
  });
  s.on('disconnect', () => {
    a.connected = false;
  });
  return new Promise((resolve, reject) => {
    s.once('connect', () => {
      a.connected = true;
      resolve();
    });
    s.once('connect_error', reject);
  });
}

const inbound = (base: string, channel: string, from: string) =>
  fetch(`${base}/api/v1/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'test-inbound-key-0123456789' },
    body: JSON.stringify({ channel, providerMessageId: `nc-${from}`, from: { kind: 'api', value: from }, text: `hello from ${from}` }),
  }).then((r) => {
    if (r.status !== 201) throw new Error(`inbound answered ${r.status}`);
  });

describe('server node kill -9 with agents and pending offers', () => {
  it('reconnecting agents stay Available and get their offers, the others go Offline in the grace, nothing stuck', async () => {
    // one at a time: on a 2-core machine parallel start-ups only slow each other down
    const a = await startNode();
    const b = await startNode();
    spawnHub('workers/src/index.ts');
    const q = await makeQueue(db.pool, { isDefault: true });

    const agents: Agent[] = [];
    for (let i = 0; i < PER_NODE * 2; i++) {
      // one chat and one written case each, so every node A agent holds a chat and has an offer pending
      const made = await makeAgent(db.pool, { queueIds: [q.id], capacity: { voice: 1, chat: 1, sms: 1, email: 1, portal: 1, api: 1 } });
      const login = await fetch(`${b.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: made.email, password: made.password }),
      });
      expect(login.status).toBe(200);
      const agent: Agent = { id: made.id, token: (await login.json()).token, socket: null as unknown as Socket, connected: false, accepting: true };
      await attach(agent, i < PER_NODE ? a.base : b.base);
      agents.push(agent);
    }
    const onA = agents.slice(0, PER_NODE);
    const onB = agents.slice(PER_NODE);
    const returning = onA.slice(0, RETURNING);
    const gone = onA.slice(RETURNING);
    for (const ag of onA) expect((await ag.socket.timeout(5000).emitWithAck('presence:set', { presence: 'available' })).ok).toBe(true);

    const caseState = async () =>
      (await db.pool.query(`SELECT id, channel, routing_state, assignee_id FROM cases ORDER BY id`)).rows as {
        id: number;
        channel: string;
        routing_state: string;
        assignee_id: number | null;
      }[];

    // node A's agents take live chats...
    const CHATS = PER_NODE;
    for (let i = 0; i < CHATS; i++) await inbound(a.base, 'chat', `chat-${i}`);
    await waitFor(async () => (await caseState()).filter((c) => c.routing_state === 'assigned').length === CHATS, 30_000, 'the chats to be taken');
    // ...and then leave new work offered and unanswered
    for (const ag of onA) ag.accepting = false;
    const WRITTEN = PER_NODE;
    for (let i = 0; i < WRITTEN; i++) await inbound(a.base, 'api', `api-${i}`);
    await waitFor(async () => (await caseState()).filter((c) => c.routing_state === 'offered').length === WRITTEN, 30_000, 'the offers to node A agents');
    const pendingBefore = (await db.pool.query(`SELECT agent_id FROM offers WHERE status = 'pending'`)).rows.map((r) => Number(r.agent_id));
    expect(pendingBefore.every((id) => onA.some((ag) => ag.id === id))).toBe(true);
    const goneHeld = (await caseState()).filter((c) => gone.some((g) => g.id === Number(c.assignee_id))).map((c) => c.id);
    const goneOffered = (await db.pool.query(`SELECT case_id FROM offers WHERE status = 'pending' AND agent_id = ANY($1)`, [gone.map((g) => g.id)])).rows.map((r) =>
      Number(r.case_id),
    );

    // node B's agents are at their desks
    for (const ag of onB) expect((await ag.socket.timeout(5000).emitWithAck('presence:set', { presence: 'available' })).ok).toBe(true);

    // the UI's way back: on disconnect, connect to the other node with the same token, and answer offers again
    const reconnected = Promise.all(
      returning.map(
        (ag) =>
          new Promise<void>((resolve, reject) => {
            ag.socket.once('disconnect', () => {
              ag.accepting = true;
              attach(ag, b.base).then(resolve, reject);
            });
          }),
      ),
    );
    const killedAt = Date.now();
    a.proc.kill('SIGKILL');
    await reconnected;
    const reconnectedIn = Date.now() - killedAt;

    const presenceOf = async (ids: number[]) =>
      (await db.pool.query(`SELECT id, presence FROM agents WHERE id = ANY($1)`, [ids])).rows as { id: number; presence: string }[];
    await waitFor(async () => (await presenceOf(gone.map((g) => g.id))).every((p) => p.presence === 'offline'), 30_000, 'the agents who never came back to go Offline');
    const offlineIn = Date.now() - killedAt;

    survivor = b;
    present = [...returning, ...onB];
    const here = new Set(present.map((ag) => ag.id));
    const settled = async () => {
      const cases = await caseState();
      const pending = (await db.pool.query(`SELECT case_id, agent_id FROM offers WHERE status = 'pending'`)).rows.map((r) => ({ caseId: Number(r.case_id), agentId: Number(r.agent_id) }));
      // stuck: offered to someone not here, assigned (live) to someone not here, or neither assigned nor waiting
      const stuck = cases.filter(
        (c) =>
          pending.some((p) => p.caseId === c.id && !here.has(p.agentId)) ||
          (c.routing_state === 'assigned' && !here.has(Number(c.assignee_id))) ||
          !['assigned', 'waiting', 'offered'].includes(c.routing_state),
      );
      return { cases, pending, stuck };
    };
    // every case ends with an agent who is here (they accept everything and have room)
    await waitFor(async () => {
      const s = await settled();
      return s.stuck.length === 0 && s.cases.every((c) => c.routing_state === 'assigned');
    }, 30_000, 'every case to be assigned to an agent who is here').catch(() => {});
    const final = await settled();
    const presence = await presenceOf(agents.map((ag) => ag.id));
    const backAvailable = returning.filter((ag) => ag.connected && presence.find((p) => p.id === ag.id)?.presence === 'available').length;
    const wentOffline = gone.filter((ag) => presence.find((p) => p.id === ag.id)?.presence === 'offline').length;
    const rerouted = [...goneHeld, ...goneOffered].filter((id) => {
      const c = final.cases.find((x) => x.id === id);
      return c?.routing_state === 'assigned' && here.has(Number(c.assignee_id));
    }).length;
    console.log(
      `[faults] node kill -9: agents ${agents.length} (${PER_NODE} on the killed node), reconnected ${backAvailable}/${RETURNING} Available in ${reconnectedIn} ms, ` +
        `went offline ${wentOffline}/${gone.length} after ${offlineIn} ms (grace ${GRACE_MS} ms, lease ${LEASE_SECONDS} s, heartbeat ${HEARTBEAT_SECONDS} s, bound ${OFFLINE_BOUND_MS} ms), ` +
        `cases ${final.cases.length}, re-routed ${rerouted}/${goneHeld.length + goneOffered.length} (${goneHeld.length} live held, ${goneOffered.length} offered), ` +
        `assigned ${final.cases.filter((c) => c.routing_state === 'assigned').length}, stuck ${final.stuck.length}, unexpected exits ${unexpectedExits}`,
    );
    expect(backAvailable).toBe(RETURNING);
    expect(wentOffline).toBe(gone.length);
    expect(offlineIn).toBeLessThanOrEqual(OFFLINE_BOUND_MS);
    expect(goneHeld.length + goneOffered.length).toBeGreaterThan(0);
    expect(rerouted).toBe(goneHeld.length + goneOffered.length);
    expect(final.stuck).toEqual([]);
    expect(final.cases.every((c) => c.routing_state === 'assigned')).toBe(true);
    expect(unexpectedExits).toBe(0);
  });

  it('a node killed while Redis restarts empty: its agents (leases gone with Redis) go Offline after the audit, agents on the live node stay Available', async () => {
    expect(survivor).not.toBeNull();
    const c = await startNode();
    const onC: Agent[] = [];
    for (let i = 0; i < 2; i++) {
      const made = await makeAgent(db.pool, { capacity: { voice: 1, chat: 1, sms: 1, email: 1, portal: 1, api: 1 } });
      const login = await fetch(`${survivor!.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: made.email, password: made.password }),
      });
      const agent: Agent = { id: made.id, token: (await login.json()).token, socket: null as unknown as Socket, connected: false, accepting: true };
      await attach(agent, c.base);
      expect((await agent.socket.timeout(5000).emitWithAck('presence:set', { presence: 'available' })).ok).toBe(true);
      onC.push(agent);
    }
    const presenceOf = async (ids: number[]) =>
      (await db.pool.query(`SELECT id, presence FROM agents WHERE id = ANY($1)`, [ids])).rows as { id: number; presence: string }[];

    // the node dies and Redis comes back without data: no lease of node C's agents is left for a sweep to find
    c.proc.kill('SIGKILL');
    await redis.stop();
    await redis.start();
    const redisBackAt = Date.now();
    await waitFor(async () => (await presenceOf(onC.map((x) => x.id))).every((p) => p.presence === 'offline'), 30_000, "node C's agents to go Offline").catch(() => {});
    const offlineIn = Date.now() - redisBackAt;
    const cOffline = (await presenceOf(onC.map((x) => x.id))).filter((p) => p.presence === 'offline').length;
    // one more sweep and audit window: the live node's agents must not be swept meanwhile
    await new Promise((res) => setTimeout(res, SWEEP_MS * 2));
    const presentRows = await presenceOf(present.map((x) => x.id));
    const stayed = present.filter((x) => x.connected && presentRows.find((p) => p.id === x.id)?.presence === 'available').length;
    const reasons = (await db.pool.query(`SELECT DISTINCT reason FROM agent_presence_log WHERE agent_id = ANY($1) AND presence = 'offline'`, [onC.map((x) => x.id)])).rows.map(
      (r) => r.reason,
    );
    // detection (the router's next sweep once it has reconnected) + the audit's wait of max(grace, lease) + a sweep
    const bound = Math.max(GRACE_MS, LEASE_SECONDS * 1000) + 2 * SWEEP_MS + 3000;
    console.log(
      `[faults] node kill -9 while Redis restarted empty: agents on the killed node ${onC.length}, went offline ${cOffline}/${onC.length} ${offlineIn} ms after Redis returned ` +
        `(bound ${bound} ms, reason ${reasons.join(',')}), agents on the live node still Available ${stayed}/${present.length}, unexpected exits ${unexpectedExits}`,
    );
    expect(cOffline).toBe(onC.length);
    expect(offlineIn).toBeLessThanOrEqual(bound);
    expect(reasons).toEqual(['connection_lost']);
    expect(stayed).toBe(present.length);
    expect(unexpectedExits).toBe(0);
  });
});
