import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { createHarness, until, caseEvents, type Harness } from '../helpers/routing-harness.js';
import { changeCaseStatus } from '../../server/src/lifecycle/status.js';
import { adapterFor } from '../../server/src/channels/index.js';
import { startLifecycleWorker } from '../../workers/src/processors/lifecycle.js';
import { localDiskStore } from '../../server/src/storage/attachment-store.js';
import { ingest } from '../../server/src/ingest/pipeline.js';
import { io as connect, type Socket } from 'socket.io-client';
import { newVisitor } from '../helpers/visitors.js';
import { assignCase } from '../../server/src/lifecycle/transfer.js';

// A 200 ms sweep here: escalation steps are time-based and checked by the sweep.
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ROUTING_SWEEP_MS: '200' });
});
afterAll(async () => {
  await h?.close();
});

describe('escalation', () => {
  it('moves a case that waited too long to the overflow queue, where its agents get it', async () => {
    const overflow = await h.queue({ name: 'overflow-desk' });
    const first = await h.queue({ name: 'first-line' });
    await h.ctx.db.pool.query(`UPDATE queues SET escalation_steps = $2 WHERE id = $1`, [
      first.id,
      JSON.stringify([{ afterSeconds: 1, overflowQueueId: overflow.id }, { afterSeconds: 1, priorityDelta: -7 }]),
    ]);
    const helper = await h.agent({ queueIds: [overflow.id], available: true });
    const c = await h.inbound({ channel: 'email', queueId: first.id });
    await new Promise((r) => setTimeout(r, 500));
    expect(helper.open()).toHaveLength(0);
    const o = await helper.nextOffer(() => true, 4000);
    expect(o.case.id).toBe(c);
    expect(o.case.queue).toEqual({ id: overflow.id, name: 'overflow-desk' });
    const esc = (await caseEvents(h.ctx.db.pool, c)).filter((e) => e.type === 'escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0].data).toMatchObject({ queueId: first.id, toQueueId: overflow.id, afterSeconds: 1 });
    await helper.setPresence('offline');
  });

  it('raises the priority of a case by a priority step', async () => {
    const q = await h.queue();
    await h.ctx.db.pool.query(`UPDATE queues SET escalation_steps = $2 WHERE id = $1`, [q.id, JSON.stringify([{ afterSeconds: 1, priorityDelta: -30 }])]);
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    await until(async () => (await h.ctx.db.pool.query(`SELECT routing_priority FROM cases WHERE id = $1`, [c])).rows[0].routing_priority === 30, 'priority 60 → 30', 4000);
    await until(async () => (await h.ctx.app.queues.routing.getJob(`case-${c}`))?.opts.priority === 30, 'job re-added at 30');
  });
});

describe('case status', () => {
  it('walks the lifecycle, writes events and timestamps, refuses impossible transitions', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    const o = await a.nextOffer();
    await a.accept(o.offerId);
    const deps = h.ctx.app.routingDeps;
    expect((await h.ctx.db.pool.query(`SELECT status FROM cases WHERE id = $1`, [c])).rows[0].status).toBe('open');
    await changeCaseStatus(deps, { caseId: c, status: 'pending', agentId: a.id, pendingUntil: new Date(Date.now() + 3600_000) });
    await changeCaseStatus(deps, { caseId: c, status: 'solved', agentId: a.id, resolutionNote: 'fixed' });
    let row = (await h.ctx.db.pool.query(`SELECT status, solved_at, resolution_note, pending_until FROM cases WHERE id = $1`, [c])).rows[0];
    expect(row).toMatchObject({ status: 'solved', resolution_note: 'fixed', pending_until: null });
    expect(row.solved_at).toBeInstanceOf(Date);
    await changeCaseStatus(deps, { caseId: c, status: 'open', agentId: a.id });
    await changeCaseStatus(deps, { caseId: c, status: 'solved', agentId: a.id });
    await changeCaseStatus(deps, { caseId: c, status: 'closed', agentId: a.id });
    row = (await h.ctx.db.pool.query(`SELECT status, closed_at FROM cases WHERE id = $1`, [c])).rows[0];
    expect(row.status).toBe('closed');
    await expect(changeCaseStatus(deps, { caseId: c, status: 'open', agentId: a.id })).rejects.toMatchObject({ statusCode: 409 });
    await expect(changeCaseStatus(deps, { caseId: 999999, status: 'open', agentId: a.id })).rejects.toMatchObject({ statusCode: 404 });
    const types = (await caseEvents(h.ctx.db.pool, c)).map((e) => e.type);
    expect(types.filter((t) => ['solved', 'reopened', 'closed'].includes(t))).toEqual(['solved', 'reopened', 'solved', 'closed']);
    expect(types.filter((t) => t === 'status_changed').length).toBeGreaterThanOrEqual(5);
    await a.setPresence('offline');
  });

  it('a reopened case goes back to its agent the same way whether the customer writes back or an agent reopens it', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const customer = `reopen-${Date.now()}`;
    const write = (n: number) =>
      ingest(h.ctx.app.ingestDeps, {
        channel: 'email',
        provider: 'test',
        providerMessageId: `reopen-${customer}-${n}`,
        from: { kind: 'api', value: customer },
        subject: 'printer',
        text: `message ${n}`,
        raw: {},
        caseDefaults: { queueId: q.id },
      });
    const first = await write(1);
    const o = await a.nextOffer((x) => x.case.id === first.caseId);
    expect((await a.accept(o.offerId)).ok).toBe(true);
    const deps = h.ctx.app.routingDeps;
    await changeCaseStatus(deps, { caseId: first.caseId, status: 'solved', agentId: a.id, resolutionNote: 'fixed' });
    const state = async () =>
      (await h.ctx.db.pool.query(`SELECT status, routing_state, assignee_id FROM cases WHERE id = $1`, [first.caseId])).rows[0];
    expect(await state()).toMatchObject({ status: 'solved', routing_state: 'none', assignee_id: a.id });

    // the customer writes back: same case, open again, with its agent — not left outside routing
    const again = await write(2);
    expect(again).toMatchObject({ caseId: first.caseId, reopened: true, queued: false });
    expect(await state()).toEqual({ status: 'open', routing_state: 'assigned', assignee_id: a.id });
    const me = await h.ctx.app.inject({ method: 'GET', url: '/api/v1/agents/me/presence', headers: { authorization: `Bearer ${a.token}` } });
    expect(me.json().load.email).toBe('1/5');

    // an agent reopens it after solving: the very same state
    await changeCaseStatus(deps, { caseId: first.caseId, status: 'solved', agentId: a.id, resolutionNote: 'fixed again' });
    await changeCaseStatus(deps, { caseId: first.caseId, status: 'open', agentId: a.id });
    expect(await state()).toEqual({ status: 'open', routing_state: 'assigned', assignee_id: a.id });
    await a.setPresence('offline');
  });

  it('closing a case that still waits takes it off the queue and withdraws its offer', async () => {
    const q = await h.queue();
    const a = await h.agent({ queueIds: [q.id], available: true });
    const c = await h.inbound({ channel: 'email', queueId: q.id });
    const o = await a.nextOffer();
    await changeCaseStatus(h.ctx.app.routingDeps, { caseId: c, status: 'closed', agentId: null });
    const r = await until(() => a.rescinded.find((x) => x.offerId === o.offerId), 'rescinded');
    expect(r.reason).toBe('closed');
    expect((await h.ctx.db.pool.query(`SELECT routing_state FROM cases WHERE id = $1`, [c])).rows[0].routing_state).toBe('none');
    await a.setPresence('offline');
  });
});

describe('assignment side effects', () => {
  it("calls the case channel's onAssigned from the lifecycle worker", async () => {
    const adapter = adapterFor('api')!;
    const original = adapter.onAssigned;
    const calls: { caseId: number; agentId: number }[] = [];
    adapter.onAssigned = async (_ctx, e) => {
      calls.push(e);
    };
    const conn = new Redis(h.ctx.config.redisUrl, { maxRetriesPerRequest: null });
    const stop = startLifecycleWorker({
      db: h.ctx.db.pool,
      config: h.ctx.config,
      store: localDiskStore(h.ctx.config.storageDir),
      log: pino({ level: 'silent' }),
      connection: conn,
      prefix: h.ctx.config.queuePrefix,
    });
    try {
      const q = await h.queue();
      const a = await h.agent({ queueIds: [q.id], available: true });
      const c = await h.inbound({ channel: 'api', queueId: q.id });
      const o = await a.nextOffer();
      await a.accept(o.offerId);
      await until(() => calls.find((x) => x.caseId === c), 'onAssigned called');
      expect(calls.find((x) => x.caseId === c)).toEqual({ caseId: c, agentId: a.id });
      await a.setPresence('offline');
    } finally {
      adapter.onAssigned = original;
      await stop();
      conn.disconnect();
    }
  });

  it("runs a chat's assignment notice in the assigning process (no lifecycle job); a voice assignment stays a job", async () => {
    // no lifecycle worker runs here: a job added is still in the queue, and `agent:joined` can only come from the assigner
    const jobsFor = async (caseId: number) =>
      (await h.ctx.app.queues.lifecycle.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).filter((j) => j.data.caseId === caseId);
    const chatQueue = await h.queue({ channels: ['chat'], isDefault: true });
    const visitor = async (clientId: string) => {
      const v = await newVisitor(h.ctx);
      const s: Socket = connect(`${h.base}/visitor`, { auth: { token: v.token }, transports: ['websocket'], reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => (s.once('connect', () => resolve()), s.once('connect_error', reject)));
      const joined = new Promise<{ caseId: number; name: string }>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no agent:joined within 5 s')), 5000);
        s.once('agent:joined', (p: { caseId: number; name: string }) => (clearTimeout(t), resolve(p)));
      });
      const ack = await s.emitWithAck('message', { text: 'hello', clientId });
      return { s, joined, caseId: ack.message.caseId as number };
    };
    const a = await h.agent({ queueIds: [chatQueue.id], available: true });
    const name = (await h.ctx.db.pool.query(`SELECT name FROM agents WHERE id = $1`, [a.id])).rows[0].name;
    const v1 = await visitor('inline-1');
    try {
      // an accepted offer (routing_accept's one statement)
      const o = await a.nextOffer((x) => x.case.id === v1.caseId);
      expect((await a.accept(o.offerId)).ok).toBe(true);
      expect(await v1.joined).toEqual({ caseId: v1.caseId, name });
      expect(await jobsFor(v1.caseId)).toEqual([]);
      await a.setPresence('offline');

      // a supervisor's assignment (assignInTx, the channel from its read of the case)
      const v2 = await visitor('inline-2');
      v1.s.disconnect();
      const b = await h.agent({});
      const bName = (await h.ctx.db.pool.query(`SELECT name FROM agents WHERE id = $1`, [b.id])).rows[0].name;
      await assignCase(h.ctx.app.routingDeps, { caseId: v2.caseId, actorId: null, agentId: b.id });
      expect(await v2.joined).toEqual({ caseId: v2.caseId, name: bName });
      expect(await jobsFor(v2.caseId)).toEqual([]);
      v2.s.disconnect();

      // voice: connecting the caller must survive a crash, so it stays the durable job
      const vq = await h.queue({ channels: ['voice'] });
      const c = await h.agent({ queueIds: [vq.id], available: true });
      const call = await h.inbound({ channel: 'voice', queueId: vq.id });
      const vo = await c.nextOffer((x) => x.case.id === call);
      expect((await c.accept(vo.offerId)).ok).toBe(true);
      const jobs = await until(async () => ((await jobsFor(call)).length ? jobsFor(call) : null), 'the voice assignment job');
      expect(jobs.map((j) => j.data)).toEqual([{ type: 'assigned', caseId: call, agentId: c.id }]);
      await c.setPresence('offline');
    } finally {
      v1.s.disconnect();
      await h.ctx.db.pool.query(`UPDATE queues SET is_default = false WHERE id = $1`, [chatQueue.id]);
    }
  });
});
